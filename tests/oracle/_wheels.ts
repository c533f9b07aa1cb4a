/**
 * Wheels the oracle tests make themselves.
 *
 * @module
 */
import JSZip from "jszip";

/** A pure-Python wheel made here, with one module whose source is `source`. */
export async function makeWheel(dir: string, name: string, source: string): Promise<string> {
  const zip = new JSZip();
  const dist = `${name}-0.0.1.dist-info`;
  zip.file(`${name}/__init__.py`, source);
  zip.file(`${dist}/METADATA`, `Metadata-Version: 2.1\nName: ${name}\nVersion: 0.0.1\n`);
  zip.file(
    `${dist}/WHEEL`,
    "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
  );
  zip.file(`${dist}/top_level.txt`, `${name}\n`);
  zip.file(
    `${dist}/RECORD`,
    `${name}/__init__.py,,\n${dist}/METADATA,,\n${dist}/WHEEL,,\n${dist}/top_level.txt,,\n${dist}/RECORD,,\n`,
  );
  const path = `${dir}/${name}-0.0.1-py3-none-any.whl`;
  await Deno.writeFile(
    path,
    await zip.generateAsync({ type: "uint8array", compression: "DEFLATE" }),
  );
  return path;
}
