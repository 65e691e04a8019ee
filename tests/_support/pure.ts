/**
 * The options of a pure test: it runs with no permission at all, so it cannot reach the disk,
 * the network or the environment by accident.
 * @module
 */

/** Pass as `Deno.test(name, pure, fn)`. */
export const pure = { permissions: "none" } as const;
