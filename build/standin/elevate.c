/*
 * elevate.exe: electron-builder insists on packing one when `perMachine: true` (its stock templates use
 * it to relaunch an updater elevated). Our own NSIS script never calls it; this small, honest
 * implementation does what the name says so the packed file is not a dummy:
 *   elevate.exe [-wait] <program> [args...]
 * runs <program> with the "runas" verb (one UAC prompt) and, with -wait, returns its exit code.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <shellapi.h>
#include <wchar.h>

int wmain(int argc, wchar_t **argv) {
  int first = 1;
  BOOL wait = FALSE;
  if (argc > 1 && wcscmp(argv[1], L"-wait") == 0) {
    wait = TRUE;
    first = 2;
  }
  if (argc <= first) return 87; /* ERROR_INVALID_PARAMETER */

  /* Rebuild the argument string from the original command line after the program name. */
  const wchar_t *cmd = GetCommandLineW();
  int skip = first + 1;
  BOOL quoted = FALSE;
  while (*cmd != L'\0' && skip > 0) {
    if (*cmd == L'"') quoted = !quoted;
    else if ((*cmd == L' ' || *cmd == L'\t') && !quoted) {
      while (*cmd == L' ' || *cmd == L'\t') cmd++;
      skip--;
      continue;
    }
    cmd++;
  }

  SHELLEXECUTEINFOW info;
  ZeroMemory(&info, sizeof(info));
  info.cbSize = sizeof(info);
  info.fMask = SEE_MASK_NOCLOSEPROCESS | SEE_MASK_NOASYNC;
  info.lpVerb = L"runas";
  info.lpFile = argv[first];
  info.lpParameters = cmd;
  info.nShow = SW_SHOWNORMAL;
  if (!ShellExecuteExW(&info)) return (int)GetLastError();
  DWORD code = 0;
  if (wait && info.hProcess != NULL) {
    WaitForSingleObject(info.hProcess, INFINITE);
    GetExitCodeProcess(info.hProcess, &code);
  }
  if (info.hProcess != NULL) CloseHandle(info.hProcess);
  return (int)code;
}
