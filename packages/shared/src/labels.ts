/**
 * Label selection, as Kubernetes does it with equality selectors (`matchLabels`, a
 * Service's `spec.selector`). Written once here for every platform, the policy
 * compiler and the API.
 */

/** Whether `labels` carry every key of `selector` with the same value (an empty selector matches everything). */
export function labelsMatch(
  selector: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>>,
): boolean {
  for (const [key, value] of Object.entries(selector)) if (labels[key] !== value) return false;
  return true;
}

/**
 * Whether a Service's selector picks pods with these labels. A Service without a
 * selector picks none (its endpoints are managed by hand in Kubernetes).
 */
export function serviceSelects(
  selector: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>>,
): boolean {
  return Object.keys(selector).length > 0 && labelsMatch(selector, labels);
}
