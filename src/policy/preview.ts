/**
 * What a policy does to each runtime of a catalogue, before any wheel is read: the tag a wheel
 * built for that runtime gets, the tags the runtime accepts, the build tag when the policy checks
 * one, and which runtimes end up sharing a tag. Everything comes from the same functions the
 * scorer uses (`wheelTagsFor`, `runtimeTagsFor`, `renderTemplate`), so a preview cannot drift
 * from a run; only the ABI flags differ where a run reads them from each runtime's main module
 * (a preview infers them from the Emscripten version and says so).
 *
 * @module
 */
import type { RuntimeEntry } from "../runtime/types.ts";
import { fieldValues, renderTemplate } from "./fields.ts";
import { nameInstallRule, runtimeTagsFor, wheelTagsFor } from "./predict.ts";
import { profileFromRuntime } from "./profile.ts";
import { groupRuntimesByTag } from "./tag_groups.ts";
import type { PlatformProfile, Policy, WheelSubject } from "./types.ts";

/** One runtime under a policy. */
export interface PolicyPreviewRow {
  runtime: string;
  python?: string;
  emscripten?: string;
  /**
   * The platform tag a binary wheel built for this runtime gets (empty for a policy that keeps
   * each wheel's file-name tag, or when the profile lacks a field the template needs).
   */
  wheelTag: string;
  /** Under a relabel policy: the tag before the audit (what the build produces). */
  buildTimeTag?: string;
  /** Why the wheel gets `wheelTag`, or why it gets none. */
  wheelTagReason: string;
  /** The platform tags the runtime's installer accepts under the policy. */
  accepts: string[];
  /** The build tag the runtime requires, for a policy with `build_tag`. */
  buildTag?: string;
  /** Templates the runtime's profile could not fill. */
  notes: string[];
  /** Profile fields that were inferred (e.g. `flags.exceptions`), not read. */
  inferred: string[];
}

/** A policy over a whole runtime catalogue. */
export interface PolicyPreview {
  policy: Pick<Policy, "id" | "title" | "file" | "wheelTag">;
  /** The matching rule, e.g. `aliases`, `subset(required_bits)`. */
  rule: string;
  rows: PolicyPreviewRow[];
  /** Runtimes that accept a common platform tag (see `groupRuntimesByTag`). */
  groups: string[][];
  /** Distinct tags wheels get (with the build tag where the policy checks one). */
  distinctTags: number;
}

/** A binary wheel built for a runtime: the runtime's own profile, as the runner gives it. */
function wheelBuiltFor(version: string, profile: PlatformProfile, auditPasses: boolean) {
  const subject: WheelSubject = {
    file: `preview-built-for-${version}.whl`,
    sha256: "",
    profile,
    tags: [],
    binary: true,
    builtFor: version,
  };
  // A relabel policy audits the wheel on its own runtime: `links` there lets the audit pass.
  if (auditPasses) subject.builtForOutcome = "links";
  return subject;
}

/**
 * Preview a policy over a runtime catalogue: one row per runtime, in catalogue order.
 *
 * @param policy a loaded policy
 * @param catalogue the runtime catalogue (`corpus/runtimes.json`, loaded)
 * @returns the rows, the groups of runtimes sharing a tag and the number of distinct tags
 * @example
 * ```ts ignore
 * const preview = previewPolicy(pep783, await readShippedRuntimeCatalogue());
 * preview.rows.find((r) => r.runtime === "0.29.5")?.wheelTag; // "pyemscripten_2025_0_wasm32"
 * ```
 */
export function previewPolicy(policy: Policy, catalogue: readonly RuntimeEntry[]): PolicyPreview {
  const rows: PolicyPreviewRow[] = [];
  const tags = new Set<string>();
  for (const entry of catalogue) {
    const profile = profileFromRuntime(entry, { catalogue: [...catalogue] });
    const runtime = { version: entry.version, profile };
    const accepted = runtimeTagsFor(policy, runtime);
    const row: PolicyPreviewRow = {
      runtime: entry.version,
      python: entry.python,
      emscripten: entry.emscripten,
      wheelTag: "",
      wheelTagReason: "",
      accepts: accepted.tags,
      notes: accepted.notes,
      inferred: profile.inferred,
    };
    if (policy.wheelTag === "filename") {
      row.wheelTagReason = "each wheel keeps the platform tag of its file name";
    } else {
      const wheel = wheelTagsFor(policy, wheelBuiltFor(entry.version, profile, true));
      row.wheelTag = wheel.tags.join(".");
      row.wheelTagReason = wheel.reason;
      if (policy.relabel) {
        const before = wheelTagsFor(policy, wheelBuiltFor(entry.version, profile, false));
        row.buildTimeTag = before.tags.join(".");
      }
    }
    if (policy.buildTag) {
      const b = renderTemplate(policy.buildTag.tag, fieldValues(profile));
      if (b.tag !== undefined) row.buildTag = b.tag;
      else row.notes.push(`build tag "${policy.buildTag.tag}" lacks ${b.missing.join(", ")}`);
    }
    if (row.wheelTag) {
      tags.add(row.buildTag ? `${row.wheelTag} (build ${row.buildTag})` : row.wheelTag);
    }
    rows.push(row);
  }
  // A build tag splits runtimes that share a platform tag: group by both.
  const groups = groupRuntimesByTag(
    rows.map((
      r,
    ) => [r.runtime, r.buildTag ? r.accepts.map((t) => `${t}#${r.buildTag}`) : r.accepts]),
  );
  return {
    policy: { id: policy.id, title: policy.title, file: policy.file, wheelTag: policy.wheelTag },
    rule: nameInstallRule(policy),
    rows,
    groups,
    distinctTags: tags.size,
  };
}
