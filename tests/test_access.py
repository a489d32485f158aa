"""Access: optional login, scrypt passwords, role permissions, masking and logged reveals."""

from __future__ import annotations

import pytest

import main
from core import access, audit, members, settings
from core.errors import PermissionDeniedError, UserError, ValidationError


def test_fresh_install_needs_no_login(db):
    assert not access.has_operators(db)
    assert access.current_role(db) == access.ADMIN
    access.require(db, "restore")
    settings.save_many(db, {"office_name": "测试社区"})


def test_first_operator_must_be_admin(db):
    with pytest.raises(ValidationError, match="第一个操作员必须是管理员"):
        access.create_operator(db, "张三", "secret1", access.CLERK)


def test_passwords_are_salted_scrypt_and_not_logged(staffed):
    rows = staffed.execute("SELECT password_hash FROM operator").fetchall()
    assert all(r[0].startswith("scrypt$") for r in rows)
    assert len({r[0].split("$")[4] for r in rows}) == 3  # a salt each
    assert "pass" not in str([r[0] for r in rows])
    for entry in audit.entries(staffed, table="operator"):
        assert entry.new.get("password_hash") in (None, "******")


def test_login_and_wrong_password(staffed):
    with pytest.raises(UserError, match="用户名或密码不对"):
        access.login(staffed, "李录入", "nope-nope")
    op = access.login(staffed, "李录入", "clerk-pass")
    assert op.role == access.CLERK and staffed.operator == "李录入"


def test_not_logged_in_may_do_nothing(staffed):
    staffed.role = ""
    with pytest.raises(PermissionDeniedError, match="需要先登录"):
        access.require(staffed, "view")


ROLE_MATRIX = {
    # action: (管理员, 录入员, 查看)
    "view": (True, True, True),
    "export": (True, True, True),
    "edit": (True, True, False),
    "reveal": (True, True, False),
    "export_unmasked": (True, True, False),
    "settings": (True, False, False),
    "users": (True, False, False),
    "restore": (True, False, False),
    "audit": (True, False, False),
}


@pytest.mark.parametrize("action", sorted(ROLE_MATRIX))
def test_role_permissions(staffed, action):
    for (name, password), expected in zip(
        (("王主任", "admin-pass"), ("李录入", "clerk-pass"), ("赵查看", "viewer-pass")), ROLE_MATRIX[action]
    ):
        access.login(staffed, name, password)
        assert access.allowed(staffed, action) is expected, (name, action)
        if not expected:
            with pytest.raises(PermissionDeniedError, match=staffed.role):
                access.require(staffed, action)


def test_viewer_cannot_change_records_or_settings(staffed):
    member_id = staffed.execute("SELECT id FROM member LIMIT 1").fetchone()[0]
    access.login(staffed, "赵查看", "viewer-pass")
    before = audit.count_entries(staffed)
    with pytest.raises(PermissionDeniedError):
        members.update(staffed, member_id, member={"note": "不该保存"})
    with pytest.raises(PermissionDeniedError):
        settings.save_many(staffed, {"office_name": "改名"})
    assert members.get(staffed, member_id).note is None
    assert audit.count_entries(staffed) == before
    access.change_own_password(staffed, "viewer-pass", "new-viewer-pass")  # own password is allowed
    access.login(staffed, "赵查看", "new-viewer-pass")


def test_clerk_edits_but_not_users(staffed):
    member_id = staffed.execute("SELECT id FROM member LIMIT 1").fetchone()[0]
    access.login(staffed, "李录入", "clerk-pass")
    members.update(staffed, member_id, member={"note": "录入员修改"})
    assert audit.entries(staffed, table="member", row_id=member_id)[0].operator == "李录入"
    with pytest.raises(PermissionDeniedError):
        access.create_operator(staffed, "新人", "newpass1", access.ADMIN)


def test_last_admin_is_kept_and_disabled_accounts_cannot_log_in(staffed):
    admin = next(o for o in access.list_operators(staffed) if o.role == access.ADMIN)
    with pytest.raises(ValidationError, match="至少要保留一个"):
        access.update_operator(staffed, admin.id, role=access.VIEWER)
    clerk = next(o for o in access.list_operators(staffed) if o.role == access.CLERK)
    access.update_operator(staffed, clerk.id, active=False)
    with pytest.raises(UserError):
        access.login(staffed, "李录入", "clerk-pass")


def test_role_change_takes_effect_at_once(staffed):
    clerk = next(o for o in access.list_operators(staffed) if o.role == access.CLERK)
    access.update_operator(staffed, clerk.id, role=access.VIEWER)
    access.login(staffed, "王主任", "admin-pass")
    assert access.allowed(staffed, "users")


def test_masking_and_logged_reveal(staffed):
    member = members.get(staffed, staffed.execute("SELECT id FROM member LIMIT 1").fetchone()[0])
    shown = access.masked("id_number", member.id_number)
    assert shown[:6] == member.id_number[:6] and shown[-4:] == member.id_number[-4:] and "*" * 8 in shown
    assert access.masked("phone", "13812345678") == "138****5678"
    access.login(staffed, "赵查看", "viewer-pass")
    with pytest.raises(PermissionDeniedError):
        access.reveal(staffed, "person", member.person_id, "id_number", member.id_number)
    assert audit.entries(staffed, action="reveal") == []
    access.login(staffed, "李录入", "clerk-pass")
    assert access.reveal(staffed, "person", member.person_id, "id_number", member.id_number) == member.id_number
    [entry] = audit.entries(staffed, action="reveal")
    assert (entry.operator, entry.table_name, entry.row_id, entry.new) == ("李录入", "person", member.person_id, {"field": "id_number"})
    access.record_unmasked_export(staffed, "roster", "/tmp/x.xlsx", 300)
    assert audit.entries(staffed, action="export")[0].new["unmasked"] is True
    access.login(staffed, "赵查看", "viewer-pass")
    with pytest.raises(PermissionDeniedError):
        access.record_unmasked_export(staffed, "roster", "/tmp/x.xlsx", 300)


def test_cli_restore_needs_admin_login(staffed, tmp_path, monkeypatch, capsys):
    from core import backups

    copy = tmp_path / "copy.db"
    backups.copy_to(staffed, copy)
    path = str(staffed.path)
    staffed.close()
    assert main.main(["restore", str(copy), "--db", path]) == 1
    assert "需要先登录" in capsys.readouterr().err
    monkeypatch.setenv("DANGJIAN_PASSWORD", "clerk-pass")
    monkeypatch.setattr(access, "_pending_login", None)
    assert main.main(["restore", str(copy), "--db", path, "--user", "李录入"]) == 1
    assert "录入员" in capsys.readouterr().err
    monkeypatch.setenv("DANGJIAN_PASSWORD", "admin-pass")
    assert main.main(["restore", str(copy), "--db", path, "--user", "王主任"]) == 0
    monkeypatch.setattr(access, "_pending_login", None)


def test_cli_backup_needs_a_login_once_operators_exist(staffed, tmp_path, monkeypatch, capsys):
    path = str(staffed.path)
    staffed.close()
    out = tmp_path / "copy.db"
    assert main.main(["backup", "--db", path, "--out", str(out)]) == 1
    assert "需要先登录" in capsys.readouterr().err and not out.exists()
    monkeypatch.setenv("DANGJIAN_PASSWORD", "viewer-pass")
    monkeypatch.setattr(access, "_pending_login", None)
    assert main.main(["backup", "--db", path, "--out", str(out), "--user", "赵查看"]) == 1
    monkeypatch.setenv("DANGJIAN_PASSWORD", "clerk-pass")
    monkeypatch.setattr(access, "_pending_login", None)
    assert main.main(["backup", "--db", path, "--out", str(out), "--user", "李录入"]) == 0
    assert out.exists()


def test_unmasked_exports_need_the_right_and_are_logged(staffed, tmp_path):
    from core.excel_export import export_roster
    from core.visits_export import export_problems, export_visits

    access.login(staffed, "赵查看", "viewer-pass")
    export_roster(staffed, tmp_path / "masked.xlsx")  # masked: fine for 查看
    for export in (lambda out: export_roster(staffed, out, masked=False),
                   lambda out: export_visits(staffed, out, unmasked=True),
                   lambda out: export_problems(staffed, out, unmasked=True)):
        out = tmp_path / "unmasked.xlsx"
        with pytest.raises(PermissionDeniedError):
            export(out)
        assert not out.exists()
    assert audit.entries(staffed, action="export") == []
    access.login(staffed, "李录入", "clerk-pass")
    result = export_roster(staffed, tmp_path / "full.xlsx", masked=False)
    export_visits(staffed, tmp_path / "visits.xlsx", unmasked=True)
    logged = audit.entries(staffed, action="export")
    assert {e.table_name for e in logged} == {"roster", "visits"}
    roster_entry = next(e for e in logged if e.table_name == "roster")
    assert roster_entry.operator == "李录入" and roster_entry.new["rows"] == result.rows
