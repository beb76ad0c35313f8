; QATrack+ Installer: the per-machine NSIS setup (electron-builder `nsis.script`).
;
; Why a custom script: electron-builder's stock templates call third-party plugins that Debian's NSIS
; lacks (StdUtils, UAC, nsis7z, WinShell) and build 32-bit stubs that wine64 cannot run. This script
; uses only NSIS's standard plugins and headers, targets amd64-unicode, and writes the uninstaller at
; install time (so no build step has to run Windows code).
;
; electron-builder passes the defines used below (PRODUCT_NAME, VERSION, APP_64, UNINSTALL_APP_KEY,
; MUI_ICON, ESTIMATED_SIZE, ...) and the OutFile/VIProductVersion/VIAddVersionKey commands.
;
; Command lines (documented for IT; tested under wine64):
;   Setup.exe /S [/D=C:\Program Files\QATrack+ Installer]     silent install of the app
;   "Uninstall QATrack+ Installer.exe" /S                       silent uninstall, keeps database and data
;   "Uninstall QATrack+ Installer.exe" /S --remove-data         silent uninstall, removes them too
;   qatrack-installer.exe --answers F [--mode=repair]           unattended deploy; waits, returns the code
; Windows older than 10 / Server 2016 is refused with a message (exit 1603), before anything is copied.
; The uninstaller removes what the app deployed (services, IIS site, files) by running the app's own
; unattended uninstall mode with the keep/remove answer, and stops (keeping the app) if that fails.

!ifndef INSTALL_MODE_PER_ALL_USERS
  !error "build/installer.nsi installs per machine only: set nsis.perMachine to true"
!endif
!ifndef APP_64
  !error "build/installer.nsi packs the x64 app only"
!endif

Target amd64-unicode
RequestExecutionLevel admin
ManifestSupportedOS all
ManifestDPIAware true
SetCompressor /SOLID lzma
; electron-builder says `SetCompress off` for compression=store (meant for its 7z); we compress here.
SetCompress auto
Name "${PRODUCT_NAME}"
BrandingText "${PRODUCT_NAME} ${VERSION}"
InstallDir "$PROGRAMFILES64\${APP_FILENAME}"
InstallDirRegKey HKLM "Software\${APP_GUID}" InstallLocation
ShowInstDetails show
ShowUninstDetails show

!define APP_EXE "${PRODUCT_FILENAME}.exe"
!define UNINSTALLER_EXE "Uninstall ${PRODUCT_FILENAME}.exe"
!define ARP_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${UNINSTALL_APP_KEY}"
!define STATE_KEY "Software\${APP_GUID}"
!define MENU_DIR "$SMPROGRAMS\${PRODUCT_NAME}"

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"
!include "x64.nsh"
!include "WinVer.nsh"

; The uninstaller is signed as soon as makensis writes it (electron-builder signs only the setup and
; the app for a custom script). scripts/dist/sign-file.ts prints the unsigned warning if no certificate.
!uninstfinalize 'node --import tsx "${PROJECT_DIR}/scripts/dist/sign-file.ts" "%1"' = 0

; ---------------------------------------------------------------------------------------------------
; The app files: electron-builder hands us its 7z package (APP_64); NSIS's own LZMA replaces the nsis7z
; plugin, so unpack it at compile time with Debian's 7za and pack the tree with File /r.
!tempfile APP_TREE
!delfile "${APP_TREE}"
!system 'mkdir "${APP_TREE}"' = 0
!system '"$%ELECTRON_BUILDER_7ZIP_PATH%" x -y -bd "-o${APP_TREE}" "${APP_64}" > /dev/null' = 0

; ---------------------------------------------------------------------------------------------------
; Pages
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN
!define MUI_FINISHPAGE_RUN_TEXT "Open ${PRODUCT_NAME} now"
!define MUI_FINISHPAGE_RUN_FUNCTION LaunchUnelevated
!insertmacro MUI_PAGE_WELCOME
!ifdef allowToChangeInstallationDirectory
  !insertmacro MUI_PAGE_DIRECTORY
!endif
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

Var KeepData

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "${PRODUCT_NAME} needs 64-bit Windows." /SD IDOK
    SetErrorLevel 1603
    Quit
  ${EndIf}
  ; Electron 23 and later run on Windows 10 / Windows Server 2016 (NT 10.0) or later only
  ; (https://www.electronjs.org/blog/electron-23-0#dropping-windows-7881-support, Chromium 110).
  ; Say so before copying anything.
  ; WinVer.nsh reads the real version: the setup's manifest lists Windows 10 (ManifestSupportedOS all).
  ${IfNot} ${AtLeastWin10}
    MessageBox MB_ICONSTOP "${PRODUCT_NAME} needs Windows 10 or Windows Server 2016 or later.$\r$\nThis Windows is older: install on a supported server (Windows Server 2016, 2019, 2022 or 2025)." /SD IDOK
    SetErrorLevel 1603
    Quit
  ${EndIf}
  SetRegView 64
  SetShellVarContext all
FunctionEnd

; The setup runs elevated; the app must not (it asks for elevation itself, once, when it deploys).
; Explorer starts it with the signed-in user's normal token.
Function LaunchUnelevated
  Exec '"$WINDIR\explorer.exe" "$INSTDIR\${APP_EXE}"'
FunctionEnd

Section "Install"
  SetOutPath "$INSTDIR"
  File /r "${APP_TREE}/*"
  WriteUninstaller "$INSTDIR\${UNINSTALLER_EXE}"

  ; Add/Remove Programs: Modify reopens the wizard in reconfigure mode; Repair in repair mode (a
  ; Start-menu shortcut too, as Windows offers Repair only for some non-MSI entries).
  WriteRegStr HKLM "${ARP_KEY}" "DisplayName" "${UNINSTALL_DISPLAY_NAME}"
  WriteRegStr HKLM "${ARP_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${ARP_KEY}" "DisplayIcon" "$INSTDIR\${APP_EXE},0"
  WriteRegStr HKLM "${ARP_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${ARP_KEY}" "UninstallString" '"$INSTDIR\${UNINSTALLER_EXE}"'
  WriteRegStr HKLM "${ARP_KEY}" "QuietUninstallString" '"$INSTDIR\${UNINSTALLER_EXE}" /S'
  WriteRegStr HKLM "${ARP_KEY}" "ModifyPath" '"$INSTDIR\${APP_EXE}" --mode=reconfigure'
  WriteRegStr HKLM "${ARP_KEY}" "RepairPath" '"$INSTDIR\${APP_EXE}" --mode=repair'
  WriteRegDWORD HKLM "${ARP_KEY}" "NoModify" 0
  WriteRegDWORD HKLM "${ARP_KEY}" "NoRepair" 0
  !ifdef COMPANY_NAME
    WriteRegStr HKLM "${ARP_KEY}" "Publisher" "${COMPANY_NAME}"
  !endif
  !ifdef UNINSTALL_URL_INFO_ABOUT
    WriteRegStr HKLM "${ARP_KEY}" "URLInfoAbout" "${UNINSTALL_URL_INFO_ABOUT}"
  !endif
  !ifdef UNINSTALL_URL_HELP
    WriteRegStr HKLM "${ARP_KEY}" "HelpLink" "${UNINSTALL_URL_HELP}"
  !endif
  !ifdef ESTIMATED_SIZE
    WriteRegDWORD HKLM "${ARP_KEY}" "EstimatedSize" ${ESTIMATED_SIZE}
  !endif
  WriteRegStr HKLM "${STATE_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${STATE_KEY}" "Version" "${VERSION}"

  CreateDirectory "${MENU_DIR}"
  CreateShortCut "${MENU_DIR}\${PRODUCT_NAME}.lnk" "$INSTDIR\${APP_EXE}"
  CreateShortCut "${MENU_DIR}\Repair QATrack+.lnk" "$INSTDIR\${APP_EXE}" "--mode=repair"
SectionEnd

; The compressed data is written; the unpacked tree is no longer needed.
!system 'rm -rf "${APP_TREE}"' = 0

; ---------------------------------------------------------------------------------------------------
; Uninstaller

Function un.onInit
  SetRegView 64
  SetShellVarContext all
  ; Keep the database and data unless told otherwise: --remove-data on the command line, or "No"
  ; to the question below. Silent uninstall (/S) keeps them.
  StrCpy $KeepData "1"
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "--remove-data" $R1
  ${IfNot} ${Errors}
    StrCpy $KeepData "0"
  ${Else}
    MessageBox MB_YESNO|MB_ICONQUESTION|MB_DEFBUTTON1 \
      "Keep the QATrack+ database and data folder?$\r$\n$\r$\nYes (recommended): the services, IIS site and program files are removed; the database, uploaded files and backups stay, and a later install can use them again.$\r$\nNo: delete the database and the data folder as well." \
      /SD IDYES IDYES keep
    StrCpy $KeepData "0"
    keep:
  ${EndIf}
FunctionEnd

Section "Uninstall"
  ; 1. Remove what the app deployed (services, IIS site, firewall rules, files; the database and data
  ;    unless asked), by the app's own unattended uninstall mode. Exit codes are MSI-style.
  ${If} $KeepData == "1"
    StrCpy $R2 "--keep-data"
  ${Else}
    StrCpy $R2 "--remove-data"
  ${EndIf}
  StrCpy $R3 "$APPDATA\${PRODUCT_FILENAME}\logs\uninstall.log"
  CreateDirectory "$APPDATA\${PRODUCT_FILENAME}\logs"
  DetailPrint "Removing the QATrack+ deployment ($R2); log: $R3"
  ClearErrors
  ExecWait '"$INSTDIR\${APP_EXE}" --unattended --mode=uninstall $R2 --log-file "$R3"' $R4
  ${If} ${Errors}
  ${OrIf} $R4 <> 0
    ${If} $R4 <> 3010
      MessageBox MB_ICONSTOP "${PRODUCT_NAME} could not remove the QATrack+ deployment (exit code $R4).$\r$\nThe program is kept so you can retry or repair. Log: $R3" /SD IDOK
      SetErrorLevel 1603
      Abort
    ${EndIf}
    ; Removed, but Windows must restart to finish (a locked file, a service marked for deletion).
    SetRebootFlag true
    SetErrorLevel 3010
  ${EndIf}

  ; 2. Remove the app itself: only what the setup created.
  Delete "${MENU_DIR}\${PRODUCT_NAME}.lnk"
  Delete "${MENU_DIR}\Repair QATrack+.lnk"
  RMDir "${MENU_DIR}"
  ${If} ${FileExists} "$INSTDIR\${APP_EXE}"
    RMDir /r "$INSTDIR\resources"
    RMDir /r "$INSTDIR\locales"
    Delete "$INSTDIR\*.*"
    RMDir "$INSTDIR"
  ${EndIf}
  DeleteRegKey HKLM "${ARP_KEY}"
  DeleteRegKey HKLM "${STATE_KEY}"
SectionEnd
