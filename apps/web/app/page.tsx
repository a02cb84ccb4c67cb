// Overview page.
export default function OverviewPage() {
  return (
    <main>
      <h1>Weft</h1>
      <p>The service mesh dashboard.</p>
    </main>
  );
}
