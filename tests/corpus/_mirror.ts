/**
 * Test helpers: where the shared corpus mirror and the repository's catalogue are.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { loadCatalogue } from "../../src/corpus/load_catalogue.ts";
import type { Catalogue, CatalogueEntry } from "../../src/corpus/types.ts";

/** Repository root (absolute path, no trailing slash). */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");

/** The shared corpus: `CONFORM_MIRROR`, else `../shared/corpus` beside the checkout. */
export const MIRROR = Deno.env.get("CONFORM_MIRROR") ||
  fileURLToPath(new URL("../../../shared/corpus/", import.meta.url)).replace(/\/$/, "");

/** Path of the committed catalogue. */
export const CATALOGUE_PATH = `${REPO_ROOT}/corpus/wheels.json`;

/** The committed catalogue, loaded and validated. */
export async function readCatalogue(): Promise<Catalogue> {
  return loadCatalogue(await Deno.readTextFile(CATALOGUE_PATH), { file: CATALOGUE_PATH });
}

/** The catalogue entry with this mirror path; throws when absent. */
export function entryOf(catalogue: Catalogue, path: string): CatalogueEntry {
  const entry = catalogue.files.find((e) => e.path === path);
  if (!entry) throw new Error(`catalogue has no entry "${path}"`);
  return entry;
}

/** sha256 hex of bytes. */
export function sha256Of(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
