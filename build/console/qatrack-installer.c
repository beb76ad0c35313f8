/*
 * qatrack-installer.exe: the console launcher installed beside "QATrack+ Installer.exe", for IT.
 *
 * The app is a GUI-subsystem program, so cmd.exe and PowerShell neither wait for it nor see its
 * exit code ("start /wait" or "Start-Process -Wait -PassThru" are needed). This console program
 * starts the app's unattended mode with the same arguments, its own console handles, waits, and
 * returns the app's exit code (0, 3010, 1602, 1603, 1639), so
 *   qatrack-installer.exe --answers C:\qatrack\answers.json [--mode=repair] [--log-file run.log]
 * behaves like any command-line tool in a script, SCCM/Intune or Ansible.
 * It passes `--unattended` itself (it never opens the wizard) and adds nothing else: no shell, no
 * temporary file, the app path from its own location (GetModuleFileNameW), arguments verbatim.
 * Win32 API: CreateProcessW with bInheritHandles and STARTF_USESTDHANDLES, WaitForSingleObject,
 * GetExitCodeProcess (Microsoft Learn, "Creating a Child Process with Redirected Input and Output").
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <stdio.h>
#include <wchar.h>

#define APP_EXE L"QATrack+ Installer.exe"

/* The command line after argv[0], exactly as given (CommandLineToArgvW's rule for argv[0]: up to
 * the closing quote if it starts with one, else up to the first space or tab). */
static const wchar_t *args_after_program(const wchar_t *cmd) {
  if (*cmd == L'"') {
    cmd++;
    while (*cmd && *cmd != L'"') cmd++;
    if (*cmd == L'"') cmd++;
  } else {
    while (*cmd && *cmd != L' ' && *cmd != L'\t') cmd++;
  }
  while (*cmd == L' ' || *cmd == L'\t') cmd++;
  return cmd;
}

static BOOL handler(DWORD type) {
  /* Ctrl+C / Ctrl+Break: the app (a GUI process, no console) is told by its own means; the
   * launcher keeps waiting so the exit code it reports is the app's. */
  (void)type;
  return TRUE;
}

int wmain(void) {
  wchar_t self[MAX_PATH * 2];
  DWORD n = GetModuleFileNameW(NULL, self, (DWORD)(sizeof self / sizeof self[0]));
  if (n == 0 || n >= sizeof self / sizeof self[0]) {
    fwprintf(stderr, L"qatrack-installer: cannot find its own location (error %lu)\n", GetLastError());
    return 1603;
  }
  wchar_t *slash = wcsrchr(self, L'\\');
  if (!slash) return 1603;
  slash[1] = L'\0';

  wchar_t app[MAX_PATH * 2];
  if (_snwprintf(app, sizeof app / sizeof app[0], L"%s%s", self, APP_EXE) < 0) return 1603;
  if (GetFileAttributesW(app) == INVALID_FILE_ATTRIBUTES) {
    fwprintf(stderr, L"qatrack-installer: %s is missing; reinstall QATrack+ Installer.\n", app);
    return 1603;
  }

  const wchar_t *rest = args_after_program(GetCommandLineW());
  size_t len = wcslen(app) + wcslen(rest) + 32;
  wchar_t *cmd = (wchar_t *)HeapAlloc(GetProcessHeap(), 0, len * sizeof(wchar_t));
  if (!cmd) return 1603;
  _snwprintf(cmd, len, L"\"%s\" --unattended%s%s", app, *rest ? L" " : L"", rest);

  STARTUPINFOW si;
  ZeroMemory(&si, sizeof si);
  si.cb = sizeof si;
  si.dwFlags = STARTF_USESTDHANDLES;
  si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
  si.hStdOutput = GetStdHandle(STD_OUTPUT_HANDLE);
  si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
  PROCESS_INFORMATION pi;
  ZeroMemory(&pi, sizeof pi);
  SetConsoleCtrlHandler(handler, TRUE);
  if (!CreateProcessW(app, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) {
    DWORD e = GetLastError();
    fwprintf(stderr, L"qatrack-installer: could not start %s (Windows error %lu)%s\n", app, e,
             e == 740 ? L": run it from an elevated (Run as administrator) prompt." : L".");
    return 1603;
  }
  WaitForSingleObject(pi.hProcess, INFINITE);
  DWORD code = 1603;
  if (!GetExitCodeProcess(pi.hProcess, &code)) code = 1603;
  CloseHandle(pi.hThread);
  CloseHandle(pi.hProcess);
  return (int)code;
}
