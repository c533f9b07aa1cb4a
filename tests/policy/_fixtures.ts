/**
 * Hand-written runtime catalogue and helpers for the policy tests. Python and Emscripten
 * versions, abi_version and exception handling per release are the facts of
 * ../shared/notes/abi-history.md §2; release dates are illustrative (month-accurate is enough:
 * only the derivation rules are under test).
 */
import type { OutcomeClass } from "../../src/link/types.ts";
import type { RuntimeEntry } from "../../src/runtime/types.ts";
import {
  loadPolicies,
  type Observation,
  type PlatformProfile,
  type Policy,
  profileFromRuntime,
  type RuntimeSubject,
  type WheelSubject,
} from "../../src/policy/mod.ts";

export const POLICY_DIR = new URL("../../policies/", import.meta.url);

function entry(
  version: string,
  releaseDate: string,
  python: string,
  emscripten: string,
  abiVersion?: string,
): RuntimeEntry {
  const e: RuntimeEntry = {
    version,
    integrity: "sha512-fixture",
    python,
    emscripten,
    platformTag: abiVersion
      ? `pyodide_${abiVersion}_wasm32`
      : `emscripten_${emscripten.replaceAll(".", "_")}_wasm32`,
    releaseDate,
    releaseDateSource: "test fixture",
  };
  if (abiVersion) e.abiVersion = abiVersion;
  return e;
}

export const CATALOGUE: RuntimeEntry[] = [
  entry("0.21.3", "2022-09-15", "3.10.2", "3.1.14"),
  entry("0.22.1", "2023-01-20", "3.10.2", "3.1.27"),
  entry("0.23.4", "2023-07-10", "3.11.2", "3.1.32"),
  entry("0.24.1", "2023-09-25", "3.11.3", "3.1.45"),
  entry("0.25.1", "2024-04-01", "3.11.3", "3.1.46"),
  entry("0.26.4", "2024-11-20", "3.12.1", "3.1.58", "2024_0"),
  entry("0.27.7", "2025-06-09", "3.12.7", "3.1.58", "2024_0"),
  entry("0.28.3", "2025-09-10", "3.13.2", "4.0.9", "2025_0"),
  entry("0.29.5", "2026-05-01", "3.13.2", "4.0.9", "2025_0"),
  entry("314.0.7", "2026-06-01", "3.14.2", "5.0.3", "2026_0"),
];

/** Profiles of the catalogue, with exceptions as the loader would report them. */
export const PROFILES: Record<string, PlatformProfile> = Object.fromEntries(
  CATALOGUE.map((e) => [
    e.version,
    profileFromRuntime(e, {
      loader: { exceptions: Number(e.emscripten.split(".")[0]) >= 4 ? "wasm" : "js" },
      catalogue: CATALOGUE,
    }),
  ]),
);

export function runtime(version: string): RuntimeSubject {
  return { version, profile: PROFILES[version] };
}

/** A wheel built for a catalogue runtime; `tags` default to cpXY-cpXY-<that runtime's tag>. */
export function wheelFor(
  version: string,
  name: string,
  opts: Partial<WheelSubject> & { python?: string; platform?: string } = {},
): WheelSubject {
  const e = CATALOGUE.find((c) => c.version === version)!;
  const [maj, min] = e.python.split(".");
  const cp = opts.python ?? `cp${maj}${min}-cp${maj}${min}`;
  const platform = opts.platform ?? e.platformTag;
  return {
    file: `${name}-1.0-${cp}-${platform}.whl`,
    sha256: `sha-${name}-${version}`,
    profile: PROFILES[version],
    tags: [`${cp}-${platform}`],
    builtFor: version,
    ...opts,
  };
}

export function observe(
  wheel: WheelSubject,
  version: string,
  outcome: OutcomeClass,
  evidence: string = outcome,
): Observation {
  return { wheel, runtime: runtime(version), outcome, evidence, builtForRuntime: wheel.builtFor };
}

/** Load every shipped policy; throws if any has a problem (other tests pin that there is none). */
export async function shippedPolicies(): Promise<Map<string, Policy>> {
  const files: { path: string; text: string }[] = [];
  for await (const entry of Deno.readDir(POLICY_DIR)) {
    if (entry.name.endsWith(".yaml")) {
      files.push({
        path: `policies/${entry.name}`,
        text: await Deno.readTextFile(new URL(entry.name, POLICY_DIR)),
      });
    }
  }
  const { policies, errors } = loadPolicies(files);
  if (errors.length) throw new Error(errors.map((e) => e.message).join("\n"));
  return new Map(policies.map((p) => [p.id, p]));
}
