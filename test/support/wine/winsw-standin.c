/*
 * A STAND-IN for WinSW 2.12 (WinSW-x64.exe is a GitHub release asset, not reachable from this
 * machine, and a .NET program). It does only what the installer relies on, the way WinSW does it:
 * - reads <exe name>.xml beside itself (WinSW docs, doc/xmlConfigFile.md: "the configuration file
 *   ... must have the same base name as the executable"): id, name, executable, arguments,
 *   workingdirectory, env name/value, stoptimeout, logpath;
 * - `install` / `uninstall` register or delete the service <id> with display name <name>,
 *   automatic start, delayed (<delayedAutoStart/>). WinSW 2 does this through WMI's
 *   Win32_Service.Create (doc/loggingAndErrorReporting.md, "Winsw uses WMI underneath"), which
 *   Wine lacks; the stand-in calls CreateService, the API that Win32_Service.Create wraps;
 * - as a service: starts <executable> <arguments> in <workingdirectory> with the <env> variables,
 *   its stdout/stderr appended to <logpath>\<exe base>.out.log / .err.log (WinSW's log names,
 *   doc/loggingAndErrorReporting.md), through pipes (Windows CPython cannot start on a file
 *   handle under Wine 8);
 * - on stop: Ctrl+C to the child's console, wait <stoptimeout>, else kill (WinSW's
 *   src/WinSW.Core/Util/ProcessExtensions.cs: AttachConsole + GenerateConsoleCtrlEvent(CTRL_C_EVENT),
 *   WaitForExit(timeout), Kill). It writes what happened to <logpath>\<exe base>.wrapper.log.
 * What it does NOT do: onfailure restarts, log rolling, extensions, XML entities beyond &amp; &lt;
 * &gt; &quot; &apos; (the installer's XML holds validated paths only).
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <stdio.h>
#include <wchar.h>

static wchar_t g_base[MAX_PATH];    /* exe path without .exe */
static wchar_t g_id[256], g_name[256], g_exe[1024], g_args[8192], g_cwd[1024], g_logpath[1024];
static wchar_t g_envnames[32][256], g_envvalues[32][1024];
static int g_envcount = 0;
static DWORD g_stoptimeout_ms = 15000;
static SERVICE_STATUS_HANDLE g_status_handle;
static SERVICE_STATUS g_status;
static HANDLE g_stop_event;

static void unescape(wchar_t *s) {
  static const struct { const wchar_t *ent; wchar_t ch; } ents[] = {
      {L"&amp;", L'&'}, {L"&lt;", L'<'}, {L"&gt;", L'>'}, {L"&quot;", L'"'}, {L"&apos;", L'\''}};
  wchar_t *r = s, *w = s;
  while (*r) {
    int done = 0;
    for (int i = 0; i < 5 && !done; i++) {
      size_t n = wcslen(ents[i].ent);
      if (wcsncmp(r, ents[i].ent, n) == 0) { *w++ = ents[i].ch; r += n; done = 1; }
    }
    if (!done) *w++ = *r++;
  }
  *w = 0;
}

/* Text of the first <tag>...</tag> in xml, into out. */
static int tag(const wchar_t *xml, const wchar_t *name, wchar_t *out, size_t cap) {
  wchar_t open[64], close[64];
  swprintf(open, 64, L"<%ls>", name);
  swprintf(close, 64, L"</%ls>", name);
  const wchar_t *a = wcsstr(xml, open);
  if (!a) return 0;
  a += wcslen(open);
  const wchar_t *b = wcsstr(a, close);
  if (!b || (size_t)(b - a) >= cap) return 0;
  wcsncpy(out, a, b - a);
  out[b - a] = 0;
  unescape(out);
  return 1;
}

/* Value of attribute attr="..." inside [start, end). */
static int attr(const wchar_t *start, const wchar_t *end, const wchar_t *name, wchar_t *out, size_t cap) {
  wchar_t key[64];
  swprintf(key, 64, L"%ls=\"", name);
  const wchar_t *a = wcsstr(start, key);
  if (!a || a > end) return 0;
  a += wcslen(key);
  const wchar_t *b = wcschr(a, L'"');
  if (!b || (size_t)(b - a) >= cap) return 0;
  wcsncpy(out, a, b - a);
  out[b - a] = 0;
  unescape(out);
  return 1;
}

static int load_config(void) {
  wchar_t path[MAX_PATH + 8];
  swprintf(path, MAX_PATH + 8, L"%ls.xml", g_base);
  HANDLE f = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
  if (f == INVALID_HANDLE_VALUE) return 0;
  static char bytes[262144];
  DWORD n = 0;
  ReadFile(f, bytes, sizeof(bytes) - 1, &n, NULL);
  CloseHandle(f);
  bytes[n] = 0;
  static wchar_t xml[262144];
  MultiByteToWideChar(CP_UTF8, 0, bytes, -1, xml, 262144);
  if (!tag(xml, L"id", g_id, 256) || !tag(xml, L"executable", g_exe, 1024)) return 0;
  if (!tag(xml, L"name", g_name, 256)) wcscpy(g_name, g_id);
  tag(xml, L"arguments", g_args, 8192);
  tag(xml, L"workingdirectory", g_cwd, 1024);
  tag(xml, L"logpath", g_logpath, 1024);
  wchar_t stop[64];
  if (tag(xml, L"stoptimeout", stop, 64)) g_stoptimeout_ms = (DWORD)_wtoi(stop) * 1000;
  for (const wchar_t *p = wcsstr(xml, L"<env "); p && g_envcount < 32; p = wcsstr(p + 1, L"<env ")) {
    const wchar_t *end = wcschr(p, L'>');
    if (attr(p, end, L"name", g_envnames[g_envcount], 256) &&
        attr(p, end, L"value", g_envvalues[g_envcount], 1024))
      g_envcount++;
  }
  return 1;
}

static void wrapper_log(const wchar_t *fmt, DWORD a) {
  wchar_t path[1200], line[512];
  swprintf(path, 1200, L"%ls\\%ls.wrapper.log", g_logpath[0] ? g_logpath : L".", wcsrchr(g_base, L'\\') + 1);
  swprintf(line, 512, fmt, a);
  char utf8[1024];
  int n = WideCharToMultiByte(CP_UTF8, 0, line, -1, utf8, sizeof(utf8), NULL, NULL);
  HANDLE f = CreateFileW(path, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_ALWAYS, 0, NULL);
  if (f == INVALID_HANDLE_VALUE) return;
  DWORD w;
  WriteFile(f, utf8, n - 1, &w, NULL);
  WriteFile(f, "\r\n", 2, &w, NULL);
  CloseHandle(f);
}

struct pump { HANDLE from; wchar_t file[1200]; };

static DWORD WINAPI pump_thread(LPVOID p) {
  struct pump *pp = (struct pump *)p;
  HANDLE out = CreateFileW(pp->file, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_ALWAYS, 0, NULL);
  char buf[4096];
  DWORD n, w;
  while (ReadFile(pp->from, buf, sizeof(buf), &n, NULL) && n > 0) {
    if (out != INVALID_HANDLE_VALUE) WriteFile(out, buf, n, &w, NULL);
  }
  if (out != INVALID_HANDLE_VALUE) CloseHandle(out);
  return 0;
}

static void set_state(DWORD state, DWORD exit_code) {
  g_status.dwCurrentState = state;
  g_status.dwWin32ExitCode = exit_code == 0 ? NO_ERROR : ERROR_SERVICE_SPECIFIC_ERROR;
  g_status.dwServiceSpecificExitCode = exit_code;
  g_status.dwControlsAccepted = state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
  g_status.dwWaitHint = state == SERVICE_STOP_PENDING ? g_stoptimeout_ms + 5000 : 10000;
  SetServiceStatus(g_status_handle, &g_status);
}

static DWORD WINAPI control(DWORD code, DWORD type, LPVOID data, LPVOID ctx) {
  (void)type; (void)data; (void)ctx;
  if (code == SERVICE_CONTROL_STOP || code == SERVICE_CONTROL_SHUTDOWN) {
    set_state(SERVICE_STOP_PENDING, 0);
    SetEvent(g_stop_event);
  }
  return NO_ERROR;
}

static void WINAPI service_main(DWORD argc, LPWSTR *argv) {
  (void)argc; (void)argv;
  g_status_handle = RegisterServiceCtrlHandlerExW(g_id, control, NULL);
  g_status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  set_state(SERVICE_START_PENDING, 0);
  g_stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
  for (int i = 0; i < g_envcount; i++) SetEnvironmentVariableW(g_envnames[i], g_envvalues[i]);

  SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};
  HANDLE out_r, out_w, err_r, err_w;
  CreatePipe(&out_r, &out_w, &sa, 0);
  CreatePipe(&err_r, &err_w, &sa, 0);
  SetHandleInformation(out_r, HANDLE_FLAG_INHERIT, 0);
  SetHandleInformation(err_r, HANDLE_FLAG_INHERIT, 0);
  static struct pump po, pe;
  const wchar_t *exe_name = wcsrchr(g_base, L'\\') + 1;
  po.from = out_r;
  pe.from = err_r;
  swprintf(po.file, 1200, L"%ls\\%ls.out.log", g_logpath, exe_name);
  swprintf(pe.file, 1200, L"%ls\\%ls.err.log", g_logpath, exe_name);
  CreateThread(NULL, 0, pump_thread, &po, 0, NULL);
  CreateThread(NULL, 0, pump_thread, &pe, 0, NULL);

  static wchar_t line[10240];
  swprintf(line, 10240, L"\"%ls\" %ls", g_exe, g_args);
  STARTUPINFOW si;
  PROCESS_INFORMATION pi;
  ZeroMemory(&si, sizeof(si));
  si.cb = sizeof(si);
  si.dwFlags = STARTF_USESTDHANDLES;
  si.hStdInput = NULL;
  si.hStdOutput = out_w;
  si.hStdError = err_w;
  if (!CreateProcessW(NULL, line, NULL, NULL, TRUE, CREATE_NEW_CONSOLE, NULL, g_cwd[0] ? g_cwd : NULL, &si, &pi)) {
    DWORD e = GetLastError();
    wrapper_log(L"could not start the executable: error %lu", e);
    set_state(SERVICE_STOPPED, e);
    return;
  }
  CloseHandle(out_w);
  CloseHandle(err_w);
  wrapper_log(L"started pid %lu", pi.dwProcessId);
  set_state(SERVICE_RUNNING, 0);

  HANDLE waits[2] = {pi.hProcess, g_stop_event};
  DWORD which = WaitForMultipleObjects(2, waits, FALSE, INFINITE);
  DWORD code = 0;
  if (which == WAIT_OBJECT_0) {
    GetExitCodeProcess(pi.hProcess, &code);
    wrapper_log(L"the executable exited by itself with code %lu", code);
    set_state(SERVICE_STOPPED, code == 0 ? 1 : code);
    return;
  }
  BOOL sent = FALSE;
  if (AttachConsole(pi.dwProcessId)) {
    SetConsoleCtrlHandler(NULL, TRUE); /* do not stop ourselves */
    sent = GenerateConsoleCtrlEvent(CTRL_C_EVENT, 0);
    FreeConsole();
  }
  if (sent && WaitForSingleObject(pi.hProcess, g_stoptimeout_ms) == WAIT_OBJECT_0) {
    GetExitCodeProcess(pi.hProcess, &code);
    wrapper_log(L"stopped by Ctrl+C, exit code %lu", code);
  } else {
    TerminateProcess(pi.hProcess, 1);
    WaitForSingleObject(pi.hProcess, 5000);
    wrapper_log(sent ? L"Ctrl+C sent, no exit within the stop timeout: killed (%lu)" : L"no console to send Ctrl+C to: killed (%lu)", 1);
  }
  set_state(SERVICE_STOPPED, 0);
}

int wmain(int argc, wchar_t **argv) {
  GetModuleFileNameW(NULL, g_base, MAX_PATH);
  wchar_t *dot = wcsrchr(g_base, L'.');
  if (dot) *dot = 0;
  if (!load_config()) {
    fwprintf(stderr, L"cannot read %ls.xml (id and executable are required)\n", g_base);
    return 2;
  }
  if (argc >= 2 && wcscmp(argv[1], L"install") == 0) {
    SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS);
    if (!scm) return (int)GetLastError();
    wchar_t bin[MAX_PATH + 8];
    swprintf(bin, MAX_PATH + 8, L"\"%ls.exe\"", g_base);
    SC_HANDLE svc = CreateServiceW(scm, g_id, g_name, SERVICE_ALL_ACCESS, SERVICE_WIN32_OWN_PROCESS,
                                   SERVICE_AUTO_START, SERVICE_ERROR_NORMAL, bin, NULL, NULL, NULL, NULL, NULL);
    if (!svc) {
      DWORD e = GetLastError();
      fwprintf(stderr, L"CreateService %ls failed: %lu\n", g_id, e);
      return (int)e;
    }
    SERVICE_DELAYED_AUTO_START_INFO delayed = {TRUE};
    ChangeServiceConfig2W(svc, SERVICE_CONFIG_DELAYED_AUTO_START_INFO, &delayed);
    wprintf(L"Service %ls installed\n", g_id);
    return 0;
  }
  if (argc >= 2 && wcscmp(argv[1], L"uninstall") == 0) {
    SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS);
    SC_HANDLE svc = scm ? OpenServiceW(scm, g_id, DELETE) : NULL;
    if (!svc || !DeleteService(svc)) return (int)GetLastError();
    wprintf(L"Service %ls uninstalled\n", g_id);
    return 0;
  }
  SERVICE_TABLE_ENTRYW table[] = {{g_id, service_main}, {NULL, NULL}};
  if (!StartServiceCtrlDispatcherW(table)) return (int)GetLastError();
  return 0;
}
