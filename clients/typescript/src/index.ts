// The Hookrelay client: openapi-fetch over the types that `make clients` generates into
// ./schema.ts from ../openapi.json. This file holds no per-route code; schema.ts is never edited.
import createClient, { type Client, type ClientOptions } from "openapi-fetch";

import type { components, paths } from "./schema";

export type { components, operations, paths } from "./schema";

/** Every named schema of the API: `Schemas["TenantOut"]`, `Schemas["Problem"]`, … */
export type Schemas = components["schemas"];

/** The problem+json body of every error response. */
export type Problem = Schemas["Problem"];

export type HookrelayClient = Client<paths>;

/** A client whose calls are typed by path and method, e.g. `client.POST("/api/v1/tenants", …)`. */
export function createHookrelayClient(
  baseUrl: string,
  token: string,
  options: Omit<ClientOptions, "baseUrl"> = {},
): HookrelayClient {
  return createClient<paths>({
    ...options,
    baseUrl,
    headers: { Authorization: `Bearer ${token}` },
  });
}
