/** Two tenants with an API key each (AUTH_MODE=api_key): acme and globex. */
export const KEY_ACME = "acme-key-0123456789abcdef";
export const KEY_GLOBEX = "globex-key-0123456789abcdef";
export const TWO_TENANTS = { AUTH_MODE: "api_key", API_KEYS: `acme:${KEY_ACME},globex:${KEY_GLOBEX}` };
