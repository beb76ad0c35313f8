/*
 * Stand-in for electron.exe (win32-x64), used ONLY to test packaging offline on Linux, where the real
 * Electron runtime for Windows cannot be downloaded. It is a real 64-bit Windows console program that
 *   - carries Electron's fuse wire (sentinel + version 1 + Electron 45's nine default fuses), so
 *     electron-builder/@electron/fuses find and flip it exactly as they would in the real binary;
 *   - when run, says plainly that it is a stand-in, prints the fuse wire it carries (so a test can read
 *     the fuses of the *installed* copy), and appends its command line to %QATRACK_STANDIN_ARGV_LOG%
 *     (so a test can check what the uninstaller / Add-Remove Programs entries launch);
 *   - exits with %QATRACK_STANDIN_EXIT% (default 0), so tests can simulate the app's own exit codes.
 * It does not run any JavaScript. A release build must use the real Electron dist instead.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

/* Same layout Electron writes (docs/tutorial/fuses.md "The hard way"): sentinel, version byte, length
 * byte, then one '0'/'1' per fuse. Defaults as Electron 45's build/fuses/fuses.json5:
 * RunAsNode=1 CookieEncryption=0 NodeOptions=1 NodeCliInspect=1 AsarIntegrity=0 OnlyLoadFromAsar=0
 * BrowserV8Snapshot=0 GrantFileProtocolExtraPrivileges=1 WasmTrapHandlers=1. `volatile` + `used` keep
 * the bytes in .data so the compiler neither folds nor drops them. */
__attribute__((used)) volatile const char kFuseWire[] = "dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX\x01\x09" "101100011";

static const char *kFuseNames[] = {"RunAsNode", "EnableCookieEncryption", "EnableNodeOptionsEnvironmentVariable",
                                   "EnableNodeCliInspectArguments", "EnableEmbeddedAsarIntegrityValidation",
                                   "OnlyLoadAppFromAsar", "LoadBrowserProcessSpecificV8Snapshot",
                                   "GrantFileProtocolExtraPrivileges", "WasmTrapHandlers"};

int wmain(void) {
  const char *wire = (const char *)kFuseWire + 32;
  int count = wire[1];
  printf("QATrack+ Installer packaging stand-in (not the Electron runtime).\n");
  printf("fuse-wire-version=%d\n", wire[0]);
  for (int i = 0; i < count && i < 9; i++) printf("fuse.%s=%c\n", kFuseNames[i], wire[2 + i]);
  fflush(stdout);

  const wchar_t *log = _wgetenv(L"QATRACK_STANDIN_ARGV_LOG");
  if (log != NULL && log[0] != L'\0') {
    FILE *f = _wfopen(log, L"ab");
    if (f != NULL) {
      /* The raw command line, UTF-8, one line per run. */
      const wchar_t *cmd = GetCommandLineW();
      int n = WideCharToMultiByte(CP_UTF8, 0, cmd, -1, NULL, 0, NULL, NULL);
      char *utf8 = (char *)malloc((size_t)n);
      if (utf8 != NULL) {
        WideCharToMultiByte(CP_UTF8, 0, cmd, -1, utf8, n, NULL, NULL);
        fprintf(f, "%s\n", utf8);
        free(utf8);
      }
      fclose(f);
    }
  }
  const wchar_t *code = _wgetenv(L"QATRACK_STANDIN_EXIT");
  return code != NULL ? _wtoi(code) : 0;
}
