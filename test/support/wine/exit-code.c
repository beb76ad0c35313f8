/*
 * exit-code.exe <program> [args...]: runs a program under wine and prints its full 32-bit exit code
 * ("exit-code=1603"). Needed because a Unix process exit status keeps only the low 8 bits, so
 * `wine64 setup.exe; echo $?` turns 1603 into 67 and 3010 into 194.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <stdio.h>
#include <wchar.h>

int wmain(int argc, wchar_t **argv) {
  if (argc < 2) return 87;
  /* Rebuild the child's command line from argv: each argument quoted when it has a space (enough
   * for the paths and switches the tests pass; none contains a double quote). */
  static wchar_t line[32768];
  line[0] = L'\0';
  for (int i = 1; i < argc; i++) {
    /* NSIS reads `_?=` and `/D=` unquoted, to the end of the line. */
    BOOL nsisTail = wcsncmp(argv[i], L"_?=", 3) == 0 || wcsncmp(argv[i], L"/D=", 3) == 0;
    BOOL quote = !nsisTail && (wcschr(argv[i], L' ') != NULL || wcschr(argv[i], L'\t') != NULL);
    if (i > 1) wcscat(line, L" ");
    if (quote) wcscat(line, L"\"");
    wcscat(line, argv[i]);
    if (quote) wcscat(line, L"\"");
  }
  STARTUPINFOW si;
  PROCESS_INFORMATION pi;
  ZeroMemory(&si, sizeof(si));
  si.cb = sizeof(si);
  if (!CreateProcessW(NULL, line, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) {
    printf("exit-code=error:%lu\n", GetLastError());
    return 1;
  }
  WaitForSingleObject(pi.hProcess, INFINITE);
  DWORD code = 0;
  GetExitCodeProcess(pi.hProcess, &code);
  printf("exit-code=%lu\n", code);
  fflush(stdout);
  return 0;
}
