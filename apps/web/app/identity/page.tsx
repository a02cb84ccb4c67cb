// Identity page: the CA's expiry countdowns, every proxy's certificate, issued and rejected counts.
import { IdentityView } from '../../components/identity/identity-view.tsx';

export default function IdentityPage() {
  return <IdentityView />;
}
