/** Test helper: the shared corpus (`../shared/corpus` beside the checkout, or `CONFORM_MIRROR`). */

/** One `manifest.json` entry (the fields these tests read). */
export interface ManifestEntry {
  file: string;
  sha256: string;
  size: number;
  kind: "wheel" | "shared-library" | "cpython-module" | "lockfile";
  distribution: string;
  platform_tag_in_filename: string | null;
  package_name?: string | null;
  package_version?: string | null;
  package_type?: string | null;
  so_files?: string[];
  binary?: boolean;
}

/** Directory URL of the shared corpus, with a trailing slash. */
export function corpusUrl(): URL {
  const mirror = Deno.env.get("CONFORM_MIRROR");
  if (mirror !== undefined && mirror !== "") {
    return new URL(mirror.endsWith("/") ? mirror : mirror + "/", `file://${Deno.cwd()}/`);
  }
  return new URL("../../../shared/corpus/", import.meta.url);
}

/** The manifest's entries. */
export async function readManifest(): Promise<ManifestEntry[]> {
  return JSON.parse(await Deno.readTextFile(new URL("manifest.json", corpusUrl())));
}

/** Bytes of one corpus file, by its manifest path. */
export function readCorpusFile(path: string): Promise<Uint8Array> {
  return Deno.readFile(new URL(path, corpusUrl()));
}
