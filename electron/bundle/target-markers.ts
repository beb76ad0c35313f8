import type { WheelPlatform } from './wheelhouse.js';

/**
 * `pip download --platform win_amd64` picks wheels for Windows but evaluates environment markers
 * against the machine it runs on: `--platform`/`--python-version` only filter wheel tags
 * (pypa/pip#11664 "Various package-index filtering flags do not affect the environment marker
 * environment", open; #13442: "`pip download -r requirements.txt --platform=win_amd64` fails to
 * collect windows-only requirements"). Built on Linux, a wheelhouse then lacks every Windows-only
 * dependency: jinxed 2.1 requires `ansicon; sys_platform == "win32"`, CherryPy 18.0.1 requires
 * `pywin32; sys_platform == "win32"`.
 * Measured under Wine: uv.exe refuses that wheelhouse ("no versions of ansicon{sys_platform ==
 * 'win32'}"). This finds those gaps by reading every wheel's METADATA and evaluating its
 * Requires-Dist markers for the target (PEP 508 marker names), with pip's vendored `packaging`.
 */
export function targetMarkerEnvironment(
  platform: WheelPlatform,
  pythonVersion: string,
): Record<string, string> {
  const [major = '3', minor = '9'] = pythonVersion.split('.');
  return {
    os_name: 'nt',
    sys_platform: 'win32',
    platform_system: 'Windows',
    // What platform.machine() returns on Windows for x64 and x86 interpreters.
    platform_machine: platform === 'win_amd64' ? 'AMD64' : 'x86',
    platform_release: '',
    platform_version: '',
    implementation_name: 'cpython',
    platform_python_implementation: 'CPython',
    python_version: `${major}.${minor}`,
    python_full_version: pythonVersion.split('.').length >= 3 ? pythonVersion : `${major}.${minor}.0`,
    implementation_version: pythonVersion.split('.').length >= 3 ? pythonVersion : `${major}.${minor}.0`,
  };
}

/**
 * argv: wheelhouse folder, marker environment (JSON). Prints a JSON list of requirement strings
 * (without markers) that some wheel needs on the target and the folder does not hold. Follows
 * extras: `pkg[extra]` brings pkg's `extra == "..."` requirements along.
 */
export const MARKER_GAPS_SCRIPT = [
  'import json, os, sys, zipfile',
  'from email.parser import HeaderParser',
  'from pip._vendor.packaging.requirements import Requirement',
  'from pip._vendor.packaging.utils import canonicalize_name, parse_wheel_filename',
  'folder, env = sys.argv[1], json.loads(sys.argv[2])',
  'requires = {}',
  'for f in sorted(os.listdir(folder)):',
  '    if not f.endswith(".whl"): continue',
  '    name = canonicalize_name(parse_wheel_filename(f)[0])',
  '    with zipfile.ZipFile(os.path.join(folder, f)) as z:',
  '        meta = [n for n in z.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]',
  '        headers = HeaderParser().parsestr(z.read(meta[0]).decode("utf-8")) if meta else None',
  '    requires[name] = [Requirement(r) for r in (headers.get_all("Requires-Dist") or [])] if headers else []',
  'missing, seen = {}, set()',
  'todo = [(n, "") for n in requires]',
  'while todo:',
  '    name, extra = todo.pop()',
  '    if (name, extra) in seen: continue',
  '    seen.add((name, extra))',
  '    for req in requires.get(name, []):',
  '        if req.marker and not req.marker.evaluate(dict(env, extra=extra)): continue',
  '        if not req.marker and extra: continue',
  '        if req.marker and extra and "extra" not in str(req.marker): continue',
  '        dep = canonicalize_name(req.name)',
  '        if dep not in requires:',
  '            missing[dep] = req.name + ("[%s]" % ",".join(sorted(req.extras)) if req.extras else "") + str(req.specifier)',
  '            continue',
  '        todo.extend((dep, e) for e in [""] + sorted(req.extras))',
  'print(json.dumps(sorted(missing.values())))',
].join('\n');
