// The web console's pages: the first path segments its client-side router owns. The server answers
// them with the console's index.html; every other path stays the API's. console/src/router.tsx
// imports this list, so the two cannot drift apart.
export const CONSOLE_PAGES = ["sign-in", "dashboard", "inventory", "policies", "jobs", "restore", "operations", "infrastructure"] as const;
export type ConsolePage = (typeof CONSOLE_PAGES)[number];
