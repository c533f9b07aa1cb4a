/**
 * Generate `corpus/wheels.json` from the shared corpus's `manifest.json` and the runtime catalogue
 * `corpus/runtimes.json`.
 *
 * Each distribution is matched to the catalogue runtimes by the platform facts its lock states
 * (Emscripten version, `abi_version`, Python major.minor), never by folder name. Wheels without a
 * lock (the `standalone/` folder) are matched by what their filename tag states.
 *
 * Usage:
 *   deno run --allow-read --allow-write --allow-env=CONFORM_MIRROR scripts/make_catalogue.ts \
 *     [--manifest PATH] [--runtimes PATH] [--out PATH]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { createHash } from "node:crypto";
import { loadCatalogue } from "../src/corpus/load_catalogue.ts";
import type {
  BuiltFor,
  Catalogue,
  CatalogueDistribution,
  CatalogueEntry,
  CatalogueKind,
} from "../src/corpus/types.ts";

/** Public raw-file URL of a committed file: a source code host, not a package registry. */
function rawFileUrl(repo: string, commit: string, path: string): string {
  const encoded = path.split("/").map(encodeURIComponent).join("/");
  return `https://raw.githubusercontent.com/${repo}/${commit}/${encoded}`;
}

interface ManifestEntry {
  file: string;
  sha256: string;
  size: number;
  kind: CatalogueKind;
  distribution: string;
  pyodide_version: string | null;
  python_version: string | null;
  platform_tag_in_filename: string | null;
  source: { repo: string; commit: string; path: string };
  lock_info?: { platform?: string; abi_version?: string; python?: string; version?: string };
  pyodide_version_source?: string;
  package_name?: string | null;
  package_version?: string | null;
  package_type?: string | null;
  depends?: string[] | null;
  so_files?: string[] | null;
  binary?: boolean;
  lock_sha256_verified?: boolean;
  official_npm_lock_match?: string[];
}

/** The fields of a runtime catalogue entry this script compares. */
interface RuntimePlatform {
  version: string;
  python: string;
  /** Normalised `3.1.58`. */
  emscripten: string;
  abiVersion: string | null;
}

/** The platform facts of one build (a distribution's lock, or a lock-less wheel's tag). */
interface BuildPlatform {
  emscripten: string | null;
  abiVersion: string | null;
  python: string | null;
  /** The Pyodide version the build states (lock info or package.json), for tie-breaking. */
  pyodideVersion: string | null;
}

/** `emscripten_3_1_58` or `3.1.58` → `3.1.58`. */
function normaliseEmscripten(value: string): string {
  return value.replace(/^emscripten_/, "").replaceAll("_", ".");
}

function pythonMinor(version: string | null): string | null {
  const m = version?.match(/^(\d+)\.(\d+)/);
  return m ? `${m[1]}.${m[2]}` : null;
}

/** Pyodide release series: `0.28` for 0.28.x, `314` for 314.x. */
function pyodideSeries(version: string | null): string | null {
  if (!version) return null;
  const m = version.match(/^(0\.\d+|\d{3,})/);
  return m ? m[1] : null;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((p) => Number.parseInt(p, 10));
  const pb = b.split(/[.-]/).map((p) => Number.parseInt(p, 10));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? -1;
    const y = pb[i] ?? -1;
    if (Number.isNaN(x) || Number.isNaN(y)) continue;
    if (x !== y) return x - y;
  }
  return 0;
}

function describe(p: BuildPlatform): string {
  const parts = [
    p.emscripten ? `emscripten ${p.emscripten}` : "emscripten unknown",
    `abi ${p.abiVersion ?? "none"}`,
    `Python ${pythonMinor(p.python) ?? "unknown"}`,
  ];
  return parts.join(", ");
}

/**
 * Runtimes whose platform facts equal the build's, and the one it was built for.
 * Emscripten must match when the build states it; `abi_version` must match (both absent counts
 * as equal); Python major.minor must match. Ties: same full Python version, then the same Pyodide
 * series as the build states, then the newest runtime.
 */
function matchRuntime(
  build: BuildPlatform,
  runtimes: RuntimePlatform[],
  basis: BuiltFor["basis"],
  customBuild: boolean,
): BuiltFor {
  const minor = pythonMinor(build.python);
  const equivalent = runtimes.filter((r) =>
    (build.emscripten === null || r.emscripten === build.emscripten) &&
    r.abiVersion === build.abiVersion &&
    pythonMinor(r.python) === minor
  );
  const names = equivalent.map((r) => r.version);
  const stated = `${basis === "lock" ? "lock states" : "filename tag states"} ${describe(build)}`;
  if (equivalent.length === 0) {
    const sameMinor = runtimes.filter((r) => pythonMinor(r.python) === minor)
      .map((r) =>
        `${r.version} (emscripten ${r.emscripten}, abi ${
          r.abiVersion ?? "none"
        }, Python ${r.python})`
      );
    return {
      runtime: null,
      equivalentRuntimes: [],
      basis,
      customBuild,
      note: `${stated}; no catalogue runtime has these platform facts` +
        (sameMinor.length ? `. Same Python minor: ${sameMinor.join(", ")}` : ""),
    };
  }
  const ranked = [...equivalent].sort((a, b) => {
    const score = (r: RuntimePlatform) =>
      (build.python !== null && r.python === build.python ? 2 : 0) +
      (pyodideSeries(build.pyodideVersion) !== null &&
          pyodideSeries(r.version) === pyodideSeries(build.pyodideVersion)
        ? 1
        : 0);
    return score(b) - score(a) || compareVersions(b.version, a.version);
  });
  const chosen = ranked[0];
  const why = [];
  if (build.python !== null && chosen.python === build.python) why.push("same Python version");
  if (
    pyodideSeries(build.pyodideVersion) !== null &&
    pyodideSeries(chosen.version) === pyodideSeries(build.pyodideVersion)
  ) why.push(`same Pyodide series ${pyodideSeries(chosen.version)}`);
  if (why.length === 0 && equivalent.length > 1) why.push("newest of the equivalent runtimes");
  return {
    runtime: chosen.version,
    equivalentRuntimes: names,
    basis,
    customBuild,
    note: `${stated}; equal on the platform facts: ${names.join(", ")}` +
      (equivalent.length > 1 ? `; chose ${chosen.version} (${why.join(", ")})` : ""),
  };
}

/** Platform facts stated by a filename tag (for wheels without a lock). */
function platformFromTag(tag: string | null, python: string | null): BuildPlatform {
  let emscripten: string | null = null;
  let abiVersion: string | null = null;
  const abi = tag?.match(/^(?:pyodide|pyemscripten)_(\d{4})_(\d+)_wasm32$/);
  if (abi) abiVersion = `${abi[1]}_${abi[2]}`;
  const em = tag?.match(/^emscripten_(\d+)_(\d+)_(\d+)_wasm32$/);
  if (em) emscripten = `${em[1]}.${em[2]}.${em[3]}`;
  return { emscripten, abiVersion, python, pyodideVersion: null };
}

function readRuntimes(text: string): RuntimePlatform[] {
  const value = JSON.parse(text);
  const list: Record<string, unknown>[] = Array.isArray(value)
    ? value
    : (value.runtimes ?? []) as Record<string, unknown>[];
  if (list.length === 0) throw new Error("runtime catalogue lists no runtimes");
  return list.map((r) => ({
    version: String(r.version),
    python: String(r.python),
    emscripten: normaliseEmscripten(String(r.emscripten)),
    abiVersion: typeof r.abiVersion === "string" ? r.abiVersion.replaceAll(".", "_") : null,
  }));
}

/** Build the catalogue from the manifest text and the runtime catalogue text. */
export function makeCatalogue(manifestText: string, runtimesText: string): Catalogue {
  const manifest = JSON.parse(manifestText) as ManifestEntry[];
  const runtimes = readRuntimes(runtimesText);
  const manifestSha256 = createHash("sha256").update(manifestText).digest("hex");

  const distributions = new Map<string, CatalogueDistribution>();
  const names = [...new Set(manifest.map((e) => e.distribution))].sort();
  for (const name of names) {
    const members = manifest.filter((e) => e.distribution === name);
    const lock = members.find((e) => e.kind === "lockfile");
    // A distribution is official only when every archive matches an official npm lock.
    const customBuild = members.some((e) =>
      e.kind !== "lockfile" && (e.official_npm_lock_match ?? []).length === 0
    );
    if (!lock) {
      distributions.set(name, {
        distribution: name,
        pyodideVersion: null,
        pyodideVersionSource: null,
        pythonVersion: null,
        platform: null,
        emscriptenVersion: null,
        abiVersion: null,
        lockPath: null,
        builtFor: {
          runtime: null,
          equivalentRuntimes: [],
          basis: "filename-tag",
          customBuild,
          note: "no lock file: each wheel is matched by its own filename tag",
        },
      });
      continue;
    }
    const info = lock.lock_info ?? {};
    const build: BuildPlatform = {
      emscripten: info.platform ? normaliseEmscripten(info.platform) : null,
      abiVersion: info.abi_version ?? null,
      python: info.python ?? lock.python_version,
      pyodideVersion: lock.pyodide_version,
    };
    distributions.set(name, {
      distribution: name,
      pyodideVersion: lock.pyodide_version,
      pyodideVersionSource: lock.pyodide_version_source ?? null,
      pythonVersion: build.python,
      platform: info.platform ?? null,
      emscriptenVersion: build.emscripten,
      abiVersion: build.abiVersion,
      lockPath: lock.file,
      builtFor: matchRuntime(build, runtimes, "lock", customBuild),
    });
  }

  const files: CatalogueEntry[] = manifest.map((e) => {
    const d = distributions.get(e.distribution)!;
    let builtFor: BuiltFor;
    if (d.lockPath !== null) {
      builtFor = {
        ...d.builtFor,
        customBuild: e.kind === "lockfile"
          ? d.builtFor.customBuild
          : (e.official_npm_lock_match ?? []).length === 0,
      };
    } else {
      builtFor = matchRuntime(
        platformFromTag(e.platform_tag_in_filename, e.python_version),
        runtimes,
        "filename-tag",
        (e.official_npm_lock_match ?? []).length === 0,
      );
    }
    const tagAbi = platformFromTag(e.platform_tag_in_filename, null).abiVersion;
    return {
      path: e.file,
      sha256: e.sha256,
      size: e.size,
      kind: e.kind,
      distribution: e.distribution,
      pyodideVersion: e.pyodide_version,
      pythonVersion: e.python_version,
      platformTag: e.platform_tag_in_filename,
      emscriptenVersion: d.emscriptenVersion,
      abiVersion: d.lockPath !== null ? d.abiVersion : tagAbi,
      packageName: e.package_name ?? null,
      packageVersion: e.package_version ?? null,
      packageType: e.package_type ?? null,
      depends: e.depends ?? null,
      soFiles: e.so_files ?? [],
      binary: e.binary ?? false,
      lockSha256Verified: e.lock_sha256_verified ?? false,
      officialNpmLockMatch: e.official_npm_lock_match ?? [],
      source: { repo: e.source.repo, commit: e.source.commit, path: e.source.path },
      url: rawFileUrl(e.source.repo, e.source.commit, e.source.path),
      builtForRuntime: builtFor.runtime,
      builtFor,
    };
  }).sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

  return { version: 1, manifestSha256, distributions: [...distributions.values()], files };
}

if (import.meta.main) {
  const repo = new URL("../", import.meta.url);
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      manifest: { type: "string" },
      runtimes: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(
      "Usage: deno run --allow-read --allow-write --allow-env=CONFORM_MIRROR scripts/make_catalogue.ts\n" +
        "  [--manifest PATH]  default: $CONFORM_MIRROR/manifest.json, else ../shared/corpus/manifest.json\n" +
        "  [--runtimes PATH]  default: corpus/runtimes.json\n" +
        "  [--out PATH]       default: corpus/wheels.json",
    );
    Deno.exit(0);
  }
  const mirror = Deno.env.get("CONFORM_MIRROR");
  const manifestPath = values.manifest ??
    (mirror
      ? `${mirror.replace(/\/$/, "")}/manifest.json`
      : new URL("../shared/corpus/manifest.json", repo).pathname);
  const runtimesPath = values.runtimes ?? new URL("corpus/runtimes.json", repo).pathname;
  const outPath = values.out ?? new URL("corpus/wheels.json", repo).pathname;
  const catalogue = makeCatalogue(
    await Deno.readTextFile(manifestPath),
    await Deno.readTextFile(runtimesPath),
  );
  // Round-trip through the loader so a generated catalogue is always one that validates.
  const text = JSON.stringify(catalogue, null, 2) + "\n";
  loadCatalogue(text, { file: outPath });
  await Deno.writeTextFile(outPath, text);
  const unmatched = catalogue.distributions.filter((d) => d.lockPath && !d.builtFor.runtime);
  console.error(
    `wrote ${outPath}: ${catalogue.files.length} files, ${catalogue.distributions.length} distributions` +
      (unmatched.length
        ? ` (no runtime for ${unmatched.map((d) => d.distribution).join(", ")})`
        : ""),
  );
}
