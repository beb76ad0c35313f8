/*
 * bcryptprimitives.dll with the one export Wine 8 lacks: ProcessPrng, which Rust's standard library
 * (1.78+) imports for random bytes on Windows 10+ (rust-lang/rust#121337), so Rust programs such as
 * uv.exe fail to start under Wine 8 without it ("Library bcryptprimitives.dll ... not found", as
 * reported in that pull request for Ubuntu's Wine; mozilla/glean#2823 ships a similar shim).
 * Signature from Microsoft Learn, "ProcessPrng function": BOOL ProcessPrng(PBYTE pbData, SIZE_T cbData),
 * always returns TRUE. Backed by BCryptGenRandom with the system-preferred RNG, which Wine implements.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <bcrypt.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len > 0) {
    ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
    if (BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) return FALSE;
    data += chunk;
    len -= chunk;
  }
  return TRUE;
}
