@echo off
rem Build the one-folder Windows program into dist\dangjian-desk with PyInstaller.
rem Needs Python 3.12+ from python.org on PATH. The PDF font: copy simsun.ttc or msyh.ttc into resources\fonts first
rem if the target PCs may lack it (most Chinese Windows PCs have both).
cd /d "%~dp0\.."
if not exist .venv\Scripts\python.exe py -3.12 -m venv .venv || python -m venv .venv
.venv\Scripts\python -m pip install -q --upgrade pip
.venv\Scripts\python -m pip install -q -e . "pyinstaller>=6"
.venv\Scripts\pyinstaller --noconfirm --clean --distpath dist --workpath build packaging\dangjian.spec
echo dist\dangjian-desk\dangjian-desk.exe
