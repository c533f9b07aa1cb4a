/**
 * Python-tag compatibility the way `packaging.tags` orders CPython tags: `cpXY-cpXY`,
 * `cpXY-abi3`, `cpXY-none`, `cp3W-abi3` for 2 <= W <= Y, and `py3`/`py3W` (W <= Y) with abi `none`.
 *
 * @module
 */

const CP_RE = /^cp(\d)(\d+)$/;
const PY_RE = /^py(\d)(\d*)$/;

/**
 * True when an `interp-abi` pair runs on CPython `python` ("3.12.7"); true when `python` is
 * unknown (nothing to refuse on).
 */
export function isPythonPairCompatible(pair: string, python: string | undefined): boolean {
  const m = python ? /^(\d+)\.(\d+)/.exec(python) : null;
  if (!m) return true;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const own = `cp${major}${minor}`;
  const [interp, abi] = pair.toLowerCase().split("-");
  // Compressed sets such as `cp311.cp312` expand to alternatives.
  const interps = interp.split(".");
  const abis = (abi ?? "none").split(".");
  return interps.some((i) =>
    abis.some((a) => {
      if (i === own && (a === own || a === "abi3" || a === "none")) return true;
      const cp = CP_RE.exec(i);
      if (cp && a === "abi3") {
        const w = Number(cp[2]);
        return Number(cp[1]) === major && w >= 2 && w <= minor;
      }
      const py = PY_RE.exec(i);
      if (py && a === "none") {
        if (Number(py[1]) !== major) return false;
        return py[2] === "" || Number(py[2]) <= minor;
      }
      return false;
    })
  );
}

/** Split a tag into its Python pair (when it is a triple) and its platform part. */
export function splitTag(tag: string): { pair?: string; platform: string } {
  const parts = tag.split("-");
  if (parts.length >= 3) {
    return {
      pair: `${parts[parts.length - 3]}-${parts[parts.length - 2]}`,
      platform: parts[parts.length - 1],
    };
  }
  return { platform: parts[parts.length - 1] };
}
