"""Access: optional operators with scrypt-hashed passwords, three roles, and the one permission check."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from core import audit, idcard
from core.clock import now_text
from core.db import Db
from core.errors import NotFoundError, PermissionDeniedError, UserError, ValidationError

ADMIN, CLERK, VIEWER = "管理员", "录入员", "查看"
ROLES = (ADMIN, CLERK, VIEWER)

# action -> (what the user tried, in words; roles allowed)
ACTIONS: dict[str, tuple[str, frozenset[str]]] = {
    "view": ("查看记录", frozenset(ROLES)),
    "export": ("导出（隐去身份证号和电话）", frozenset(ROLES)),
    "edit": ("录入或修改记录", frozenset({ADMIN, CLERK})),
    "import": ("导入 Excel", frozenset({ADMIN, CLERK})),
    "reveal": ("查看完整身份证号或电话", frozenset({ADMIN, CLERK})),
    "export_unmasked": ("导出完整身份证号和电话", frozenset({ADMIN, CLERK})),
    "backup": ("备份数据库", frozenset({ADMIN, CLERK})),
    "audit": ("查看操作日志", frozenset({ADMIN})),
    "settings": ("修改设置", frozenset({ADMIN})),
    "users": ("管理操作员", frozenset({ADMIN})),
    "restore": ("从备份恢复数据库", frozenset({ADMIN})),
}

# scrypt cost: 16 MiB and roughly 50 ms per check on an office PC; slow for guessing, quick for a login.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_pending_login: tuple[str, str] | None = None
# Logins made in this process, by database file: a worker thread's own connection (open_db with
# the same operator) works with the role its window logged in with, without asking again.
_sessions: dict[str, tuple[str, str]] = {}


def _session_key(db: Db) -> str | None:
    return str(db.path.resolve()) if db.path is not None else None


@dataclass(frozen=True)
class Operator:
    id: int
    name: str
    role: str
    active: bool
    created_at: str


# Passwords --------------------------------------------------------------------------------------

def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def password_matches(stored: str, password: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                                dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(expected, actual)


def _check_password(password: str) -> None:
    if len(password) < 6:
        raise ValidationError("密码至少 6 位。", "password")


# Operators --------------------------------------------------------------------------------------

def has_operators(db: Db) -> bool:
    """Login is on as soon as one active operator exists; a fresh install opens directly."""
    return db.execute("SELECT 1 FROM operator WHERE active = 1 LIMIT 1").fetchone() is not None


def list_operators(db: Db) -> list[Operator]:
    return [Operator(r[0], r[1], r[2], bool(r[3]), r[4])
            for r in db.execute("SELECT id, name, role, active, created_at FROM operator ORDER BY id")]


def get_operator(db: Db, operator_id: int) -> Operator:
    for op in list_operators(db):
        if op.id == operator_id:
            return op
    raise NotFoundError(f"找不到操作员 #{operator_id}。")


def _active_admins(db: Db) -> int:
    return db.execute("SELECT count(*) FROM operator WHERE active = 1 AND role = ?", [ADMIN]).fetchone()[0]


def create_operator(db: Db, name: str, password: str, role: str) -> int:
    """Add an operator. The first one must be a 管理员 (else nobody could manage users)."""
    first = not has_operators(db)
    if not first:
        require(db, "users")
    name = (name or "").strip()
    if not name:
        raise ValidationError("用户名不能为空。", "name")
    if role not in ROLES:
        raise ValidationError(f"角色应为 {'、'.join(ROLES)} 之一。", "role")
    if first and role != ADMIN:
        raise ValidationError("第一个操作员必须是管理员，以便之后管理其他人的账号。", "role")
    _check_password(password)
    if db.execute("SELECT 1 FROM operator WHERE name = ?", [name]).fetchone():
        raise ValidationError(f"用户名“{name}”已存在，请换一个。", "name")
    stamp = now_text()
    return audit.insert(db, "operator", {"name": name, "role": role, "password_hash": hash_password(password),
                                         "active": 1, "created_at": stamp, "updated_at": stamp})


def update_operator(db: Db, operator_id: int, *, role: str | None = None, active: bool | None = None,
                    password: str | None = None) -> None:
    """Change an operator's role, password or whether they can log in; the last 管理员 stays."""
    require(db, "users")
    current = get_operator(db, operator_id)
    changes: dict = {}
    if role is not None:
        if role not in ROLES:
            raise ValidationError(f"角色应为 {'、'.join(ROLES)} 之一。", "role")
        changes["role"] = role
    if active is not None:
        changes["active"] = 1 if active else 0
    if password is not None:
        _check_password(password)
        changes["password_hash"] = hash_password(password)
    with db.atomic():
        losing_admin = current.role == ADMIN and current.active and (
            changes.get("role", ADMIN) != ADMIN or changes.get("active", 1) == 0)
        if losing_admin and _active_admins(db) <= 1:
            raise ValidationError("至少要保留一个可以登录的管理员。请先把另一个人设为管理员。", "role")
        changes["updated_at"] = now_text()
        audit.update(db, "operator", operator_id, changes)


def change_own_password(db: Db, old_password: str, new_password: str) -> None:
    row = db.execute("SELECT id, password_hash FROM operator WHERE name = ? AND active = 1", [db.operator]).fetchone()
    if row is None or not password_matches(row[1], old_password):
        raise ValidationError("原密码不对。", "old_password")
    _check_password(new_password)
    audit.update(db, "operator", row[0], {"password_hash": hash_password(new_password), "updated_at": now_text()})


# Login ------------------------------------------------------------------------------------------

def login(db: Db, name: str, password: str) -> Operator:
    """Check the password; on success the database connection works as this operator."""
    row = db.execute("SELECT id, name, role, active, created_at, password_hash FROM operator WHERE name = ?",
                     [(name or "").strip()]).fetchone()
    if row is None or not row[3] or not password_matches(row[5], password):
        raise UserError("用户名或密码不对，请重新输入。忘记密码请找管理员重设。")
    db.operator = row[1]
    db.role = row[2]
    _remember(db)
    return Operator(row[0], row[1], row[2], True, row[4])


def logout(db: Db) -> None:
    """Forget this process's login for the file; the connection can do nothing until a new login."""
    _sessions.pop(_session_key(db) or "", None)
    db.role = ""


def _remember(db: Db) -> None:
    key = _session_key(db)
    if key is not None:
        _sessions[key] = (db.operator, db.role)


def resume(db: Db, name: str) -> bool:
    """Carry a login over to a reopened file (after a restore) when the operator exists there too."""
    row = db.execute("SELECT name, role FROM operator WHERE name = ? AND active = 1", [name]).fetchone()
    if row is None:
        return False
    db.operator, db.role = row
    _remember(db)
    return True


def verify_current(db: Db, password: str) -> bool:
    """Unlocking after idle: the same operator's password again."""
    row = db.execute("SELECT password_hash FROM operator WHERE name = ? AND active = 1", [db.operator]).fetchone()
    return row is not None and password_matches(row[0], password)


def set_pending_login(name: str, password: str) -> None:
    """The command line's --user: checked against the database the first time a permission is needed."""
    global _pending_login
    _pending_login = (name, password)


def current_role(db: Db) -> str | None:
    """The role in force: 管理员 while no operator exists; None when login is on and nobody logged in."""
    if not has_operators(db):
        return ADMIN
    if not db.role:
        session = _sessions.get(_session_key(db) or "")
        if session is not None and session[0] == db.operator:
            db.role = session[1]
        elif _pending_login is not None:
            login(db, *_pending_login)
    if db.role:
        # A role changed or an account disabled since login takes effect at once.
        row = db.execute("SELECT role FROM operator WHERE name = ? AND active = 1", [db.operator]).fetchone()
        return row[0] if row else None
    return None


def allowed(db: Db, action: str) -> bool:
    role = current_role(db)
    return role is not None and role in ACTIONS[action][1]


def require(db: Db, action: str) -> None:
    """Raise PermissionDeniedError unless the operator in force may do `action` (a key of ACTIONS)."""
    what, roles = ACTIONS[action]
    role = current_role(db)
    if role is None:
        raise PermissionDeniedError(
            f"本数据库已启用登录，{what}需要先登录。命令行请加 --user 用户名（会提示输入密码）。")
    if role not in roles:
        raise PermissionDeniedError(
            f"您的角色是“{role}”，不能{what}。需要时请找{'或'.join(r for r in ROLES if r in roles)}办理。")


# Masking and reveals ----------------------------------------------------------------------------

def masked(field: str, value: str | None) -> str:
    """How ID numbers and phones are shown unless revealed: region and last four digits only."""
    return idcard.mask(value) if field == "id_number" else idcard.mask_phone(value)


def reveal(db: Db, table: str, row_id: int, field: str, value: str | None) -> str | None:
    """Return an unmasked value to an allowed operator, logging who looked at what."""
    require(db, "reveal")
    audit.record(db, "reveal", table, row_id, {"field": field})
    return value


def record_unmasked_export(db: Db, kind: str, path: str, rows: int | None = None) -> None:
    """Check the right to export unmasked ID numbers and phones, and log the export."""
    require(db, "export_unmasked")
    details = {"file": str(path), "unmasked": True}
    if rows is not None:
        details["rows"] = rows
    audit.record(db, "export", kind, None, details)
