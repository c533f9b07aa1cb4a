/**
 * The harness version: part of every cache key, so a new version never reuses old verdicts.
 *
 * @module
 */
import denoJson from "../../deno.json" with { type: "json" };

/** Version of this harness (from `deno.json`). */
export const HARNESS_VERSION: string = denoJson.version;
