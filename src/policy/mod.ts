/**
 * Policy stage: platform profiles, tag-scheme policies loaded from YAML (`policies/*.yaml`,
 * checked against `policies/schema.json`), predictions per wheel × runtime pair, scores,
 * ranking, and the ABI-equivalence classes implied by observed link outcomes.
 *
 * @example
 * ```ts
 * import { loadPolicies, rankPolicies, scorePolicy } from "./mod.ts";
 * const { policies, errors } = loadPolicies(files);
 * const ranked = rankPolicies(policies.map((p) => scorePolicy(p, observations)));
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./errors.ts";
export * from "./version.ts";
export * from "./fields.ts";
export * from "./profile.ts";
export * from "./load.ts";
export * from "./predict.ts";
export * from "./score.ts";
export * from "./infer_built_for.ts";
export * from "./decisive_pairs.ts";
export * from "./tag_groups.ts";
export * from "./preview.ts";
