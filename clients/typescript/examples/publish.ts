// Type-checked in CI (`npm run typecheck`): the core calls an integrator makes, so a change to
// their shapes in the API shows up here as a compile error.
import { createHookrelayClient, type Problem, type Schemas } from "../src/index";

type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

export async function publishInvoicePaid(
  baseUrl: string,
  apiKey: string,
): Promise<Schemas["MessageOut"] | Problem> {
  const hookrelay = createHookrelayClient(baseUrl, apiKey);
  const { data, error } = await hookrelay.POST("/api/v1/tenants/{tenant}/messages", {
    params: { path: { tenant: "acme" } },
    body: { event_type: "invoice.paid", payload: { invoice: "in_1", amount_cents: 4200 } },
  });
  // Errors are typed problem+json bodies, successes the message.
  const errorIsProblem: Exact<NonNullable<typeof error>, Problem> = true;
  const dataIsMessage: Exact<NonNullable<typeof data>, Schemas["MessageOut"]> = true;
  if (error) {
    return errorIsProblem && error;
  }
  return dataIsMessage && data;
}
