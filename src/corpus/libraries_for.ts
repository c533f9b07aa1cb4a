/**
 * Which library archives to load with an archive, wherever they are: the one place the link
 * check (`conform link`, `conform conform`) and the oracle decide a pair's libraries, so both
 * load the same ones. A NEEDED name (dylink.0) is answered by the first archive holding a `.so`
 * of that file name, looked for in this order:
 *
 * 1. the archive itself;
 * 2. `lock`: the catalogue lock's dependencies (shared-library packages, loaded in any case);
 * 3. `distribution`: other catalogue files of the same distribution folder (catalogue inputs);
 * 4. `run`: the other inputs of the run;
 * 5. `beside`: `.whl`/`.zip` files in the same directory as an archive given by path, named on
 *    the command line or not.
 *
 * The catalogue tiers come before the run so that a catalogue wheel's verdict never depends on
 * what else is in the run. Files outside the run are read only when they may answer a name
 * still missing (catalogue files by their listed `.so` files, files on disk by their zip
 * directory).
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import type { CheckLinkInput, LinkLibraryInput } from "../link/check_link.ts";
import { selectLibraries, unresolvedNeeded } from "../link/select_libraries.ts";
import { readZipDirectory } from "../wheel/read_zip.ts";
import { type InputFile, pathInputOf, readInputLink } from "./collect_inputs.ts";
import { defaultCacheDir, defaultCataloguePath, defaultMirror } from "./defaults.ts";
import { type LibraryOrigin, LibraryUnreadableError } from "./errors.ts";
import { loadCatalogue } from "./load_catalogue.ts";
import { lockDependencies } from "./lock_dependencies.ts";
import {
  openCatalogueFile,
  resolveCatalogueFile,
  type ResolveOptions,
} from "./resolve_catalogue_file.ts";
import type { CatalogueEntry } from "./types.ts";
import { openArchiveFile } from "./archive_file.ts";

/** Upper bound on archives looked at beside one directory's inputs. */
export const MAX_ARCHIVES_BESIDE = 10_000;

const ARCHIVE = /\.(whl|zip)$/i;
const LIBRARY_NAME = /\.(?:so(?:\.[0-9]+)*|wasm)$/;

/** One archive of the run: its input and, when it could be read, its link input. */
export interface RunArchive {
  input: InputFile;
  link?: CheckLinkInput;
}

/** A library chosen for an archive. */
export interface ChosenLibrary {
  /** What the link check loads (plain data: safe to post to workers). */
  library: LinkLibraryInput;
  /** Where its bytes are (the oracle hands the file itself to the real runtime). */
  input: InputFile;
  origin: LibraryOrigin;
}

/** What {@linkcode librariesFor} found for one archive. */
export interface LibraryChoice {
  /** Libraries to load, in load order (dependencies first). */
  libraries: ChosenLibrary[];
  /** NEEDED names no archive provides: the check reports them as `needed-missing`. */
  missing: string[];
  /** Candidate archives that could not be read (their names count as missing). */
  unreadable: LibraryUnreadableError[];
  /**
   * Python packages the lock says the archive depends on (wheels, not libraries): the link check
   * has no use for them, but the real runtime's import does, so the oracle loads them first.
   */
  packages: InputFile[];
}

/** Options of {@linkcode createLibraryRun}. */
export interface LibraryRunOptions extends Partial<ResolveOptions> {
  /**
   * Every catalogue file (for lock dependencies and distribution folders; an archive given by
   * path is recognised by its sha256). Default: the repository's `corpus/wheels.json`.
   */
  catalogue?: CatalogueEntry[];
  /** Module bytes in SharedArrayBuffers (free to post to pool workers). */
  shared?: boolean;
}

/** The run's archives plus caches shared by every {@linkcode librariesFor} call of one run. */
export interface LibraryRun {
  readonly archives: RunArchive[];
  readonly catalogue: CatalogueEntry[];
  readonly options: LibraryRunOptions;
  /** Read library archives, by `catalogue:<sha256>` or `path:<absolute path>`. */
  readonly reads: Map<string, Promise<LinkLibraryInput | LibraryUnreadableError>>;
  /** `.so` file names inside archives on disk, by absolute path. */
  readonly names: Map<string, Promise<Set<string> | LibraryUnreadableError>>;
  /** Archive file names per directory. */
  readonly listings: Map<string, Promise<string[]>>;
}

/**
 * Prepare the library lookups of one run.
 *
 * @param archives Every input of the run (read or not), in input order.
 * @param options Catalogue, resolver options and whether module bytes are shared.
 *
 * @example
 * ```ts ignore
 * import { createLibraryRun, librariesFor } from "./libraries_for.ts";
 * const run = await createLibraryRun(archives, { mirror, cacheDir, allowNetwork: false });
 * const { libraries } = await librariesFor(archives[0], run);
 * ```
 */
export async function createLibraryRun(
  archives: RunArchive[],
  options: LibraryRunOptions = {},
): Promise<LibraryRun> {
  let catalogue = options.catalogue;
  if (!catalogue) {
    const path = defaultCataloguePath();
    catalogue = path ? loadCatalogue(await Deno.readTextFile(path), { file: path }).files : [];
  }
  return {
    archives,
    catalogue: catalogue ?? [],
    options,
    reads: new Map(),
    names: new Map(),
    listings: new Map(),
  };
}

/** A candidate in order of preference; read lazily unless it is already a run input. */
interface Slot {
  origin: LibraryOrigin;
  input: InputFile;
  /** `.so` file names it holds, when known without reading it. */
  names?: Set<string>;
  library?: LinkLibraryInput;
  /** Reading was tried (successfully or not). */
  tried?: boolean;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function toLibrary(input: InputFile, link: CheckLinkInput): LinkLibraryInput {
  const packageName = input.entry?.packageName ?? link.wheel.metadata?.name;
  return {
    file: input.file,
    // Lock-file `depends` name packages; a `.zip` has no METADATA to say its name.
    ...(packageName ? { packageName } : {}),
    facts: link.wheel,
    modules: link.modules,
  };
}

function readAs(
  run: LibraryRun,
  key: string,
  input: InputFile,
  origin: LibraryOrigin,
): Promise<LinkLibraryInput | LibraryUnreadableError> {
  let p = run.reads.get(key);
  if (!p) {
    p = (async () => {
      try {
        return toLibrary(input, await readInputLink(input, { shared: run.options.shared }));
      } catch (error) {
        return new LibraryUnreadableError(input.file, origin, describe(error), { cause: error });
      }
    })();
    run.reads.set(key, p);
  }
  return p;
}

function catalogueInput(run: LibraryRun, entry: CatalogueEntry): InputFile {
  const same = run.archives.find((a) => a.input.entry?.sha256 === entry.sha256);
  if (same) return same.input;
  const options: ResolveOptions = {
    // The same defaults as collectInputs: a lock dependency resolves like any catalogue input.
    mirror: run.options.mirror ?? defaultMirror(),
    cacheDir: run.options.cacheDir ?? defaultCacheDir(),
    allowNetwork: run.options.allowNetwork ?? true,
    fetchImpl: run.options.fetchImpl,
  };
  return {
    file: entry.path,
    source: "catalogue",
    entry,
    read: async () => (await resolveCatalogueFile(entry, options)).bytes,
    open: () => openCatalogueFile(entry, options),
  };
}

function catalogueSlot(run: LibraryRun, entry: CatalogueEntry, origin: LibraryOrigin): Slot {
  const same = run.archives.find((a) => a.input.entry?.sha256 === entry.sha256 && a.link);
  return {
    origin,
    input: same?.input ?? catalogueInput(run, entry),
    names: new Set(entry.soFiles.map((s) => basename(s))),
    ...(same ? { library: toLibrary(same.input, same.link!), tried: true } : {}),
  };
}

function listArchives(run: LibraryRun, dir: string): Promise<string[]> {
  let p = run.listings.get(dir);
  if (!p) {
    p = (async () => {
      const names: string[] = [];
      try {
        for await (const item of Deno.readDir(dir)) {
          if (!ARCHIVE.test(item.name) || item.isDirectory) continue;
          if (names.length >= MAX_ARCHIVES_BESIDE) break;
          names.push(item.name);
        }
      } catch {
        // An unlistable directory offers no libraries.
      }
      return names.sort();
    })();
    run.listings.set(dir, p);
  }
  return p;
}

function namesOnDisk(run: LibraryRun, path: string): Promise<Set<string> | LibraryUnreadableError> {
  const key = resolve(path);
  let p = run.names.get(key);
  if (!p) {
    p = (async () => {
      try {
        // Only the end record and the central directory are read of a large archive.
        const archive = await openArchiveFile(path);
        let directory;
        try {
          directory = readZipDirectory(archive.bytes, { file: path });
        } finally {
          archive.close();
        }
        return new Set(
          directory.entries.filter((e) => !e.isDirectory && LIBRARY_NAME.test(e.name))
            .map((e) => basename(e.name)),
        );
      } catch (error) {
        return new LibraryUnreadableError(path, "beside", describe(error), { cause: error });
      }
    })();
    run.names.set(key, p);
  }
  return p;
}

/**
 * The libraries to load with `archive`, as the link check and the oracle must both load them:
 * for each NEEDED name, the first archive holding a `.so` of that name, searched in the archive
 * itself, the lock's dependencies, the distribution folder, the run's other inputs, then beside
 * the archive on disk (see the module documentation). Lock dependencies that are shared-library
 * packages are loaded whatever NEEDED says, as Pyodide's package manager does.
 *
 * @param archive An archive of the run (one of `run.archives`, or any other).
 * @param run From {@linkcode createLibraryRun}.
 * @returns The libraries in load order, the names still missing and unreadable candidates.
 *
 * @example
 * ```ts ignore
 * import { createLibraryRun, librariesFor } from "./libraries_for.ts";
 * const run = await createLibraryRun([{ input, link }]);
 * const { libraries, missing } = await librariesFor({ input, link }, run);
 * const outcome = await checkLink({ ...link, libraries: libraries.map((l) => l.library) }, rt);
 * ```
 */
export async function librariesFor(archive: RunArchive, run: LibraryRun): Promise<LibraryChoice> {
  const link = archive.link;
  if (!link) return { libraries: [], missing: [], unreadable: [], packages: [] };
  // A catalogue file given by path gets its lock's libraries too, as the oracle always did.
  const entry = archive.input.entry ??
    run.catalogue.find((f) => f.sha256 === link.wheel.sha256 && f.kind !== "lockfile");
  const slots: Slot[] = [];
  const required: Slot[] = [];
  const packages: InputFile[] = [];

  if (entry) {
    for (const dep of lockDependencies(entry, run.catalogue).deps) {
      if (dep.kind !== "shared-library") {
        packages.push(catalogueInput(run, dep));
        continue;
      }
      const slot = catalogueSlot(run, dep, "lock");
      slots.push(slot);
      required.push(slot);
    }
    for (const f of run.catalogue) {
      if (f.distribution !== entry.distribution || f.kind === "lockfile") continue;
      if (f.sha256 === entry.sha256 || f.soFiles.length === 0) continue;
      slots.push(catalogueSlot(run, f, "distribution"));
    }
  }
  for (const other of run.archives) {
    if (other === archive || !other.link || other.link.wheel.sha256 === link.wheel.sha256) continue;
    slots.push({
      origin: "run",
      input: other.input,
      library: toLibrary(other.input, other.link),
      tried: true,
    });
  }
  if (archive.input.source === "path") {
    const self = resolve(archive.input.file);
    const dir = dirname(archive.input.file);
    for (const name of await listArchives(run, resolve(dir))) {
      const path = join(dir, name);
      if (resolve(path) === self) continue;
      const known = run.archives.find((a) =>
        a.input.source === "path" && resolve(a.input.file) === resolve(path)
      );
      slots.push({
        origin: "beside",
        input: known?.input ?? pathInputOf(path),
        ...(known?.link ? { library: toLibrary(known.input, known.link), tried: true } : {}),
      });
    }
  }

  const unreadable: LibraryUnreadableError[] = [];
  const load = async (slot: Slot) => {
    slot.tried = true;
    const key = slot.input.source === "catalogue" && slot.input.entry
      ? `catalogue:${slot.input.entry.sha256}`
      : `path:${resolve(slot.input.file)}`;
    const read = await readAs(run, key, slot.input, slot.origin);
    if (read instanceof LibraryUnreadableError) unreadable.push(read);
    else slot.library = read;
  };
  for (const slot of required) await load(slot);

  // Read more candidates only while names are missing, and only those that may hold one.
  for (;;) {
    const libraries = choose(link, slots, required);
    const missing = unresolvedNeeded(link, libraries);
    let progress = false;
    for (const slot of missing.length ? slots.filter((s) => !s.tried) : []) {
      if (!slot.names) {
        const names = await namesOnDisk(run, slot.input.file);
        if (names instanceof LibraryUnreadableError) {
          slot.tried = true;
          continue;
        }
        slot.names = names;
      }
      if (missing.some((n) => slot.names!.has(n))) {
        await load(slot);
        progress = true;
      }
    }
    if (!progress) {
      const bySlot = new Map(slots.map((s) => [s.library, s]));
      return {
        libraries: libraries.map((l) => ({
          library: l,
          input: bySlot.get(l)!.input,
          origin: bySlot.get(l)!.origin,
        })),
        missing,
        unreadable,
        packages,
      };
    }
  }
}

function choose(link: CheckLinkInput, slots: Slot[], required: Slot[]): LinkLibraryInput[] {
  const candidates = slots.flatMap((s) => s.library ? [s.library] : []);
  const forced = required.flatMap((s) => s.library ? [s.library] : []);
  return selectLibraries(link, candidates, { required: forced });
}
