"""`check`: integrity, foreign keys, schema version and the record rules, as a list of faults."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from core import idcard, member_events
from core.db import recover_after_crash, schema_state
from core.errors import ValidationError


@dataclass(frozen=True)
class CheckReport:
    faults: list[str]
    notes: list[str]

    @property
    def ok(self) -> bool:
        return not self.faults


def check_file(path: Path) -> CheckReport:
    """Check a database file without changing it (opened read-only)."""
    faults: list[str] = []
    notes: list[str] = []
    if not path.exists():
        return CheckReport([f"数据库文件 {path} 不存在。"], [])
    recover_after_crash(path)
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return CheckReport([f"无法打开 {path}：{exc}"], [])
    try:
        try:
            result = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        except sqlite3.DatabaseError as exc:
            return CheckReport([f"文件不是有效的数据库或已损坏：{exc}。请从备份恢复。"], [])
        if result != ["ok"]:
            faults += [f"完整性检查：{line}" for line in result[:20]]
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
        for table, rowid, parent, _ in fk[:20]:
            faults.append(f"外键错误：表 {table} 第 {rowid} 行指向不存在的 {parent} 记录。")
        state = schema_state(conn)
        if state.unknown:
            faults.append(f"数据库结构比本程序新（{', '.join(state.unknown[:3])}），请升级程序。")
        if state.pending:
            notes.append(f"数据库结构来自较早的版本（还差 {len(state.pending)} 步升级），用本程序打开一次即可自动升级。")
        if not faults and not state.pending:  # rules need the whole schema; a pending upgrade completes it
            faults += _rule_faults(conn)
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            counts = {t: conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in ("org_unit", "grid", "member")}
            notes.append(
                f"结构版本 {version}；组织 {counts['org_unit']} 个，网格 {counts['grid']} 个，党员 {counts['member']} 名。"
            )
    except sqlite3.DatabaseError as exc:
        faults.append(f"读取数据库时出错：{exc}。请从备份恢复。")
    finally:
        conn.close()
    return CheckReport(faults, notes)


def _rule_faults(conn: sqlite3.Connection) -> list[str]:
    faults = []
    for pid, number, birth, gender in conn.execute(
        "SELECT id, id_number, birth_date, gender FROM person WHERE id_number IS NOT NULL"
    ):
        try:
            info = idcard.parse(number)
        except ValidationError as exc:
            faults.append(f"人员 #{pid}：{exc}")
            continue
        if (birth and birth != info.birth_date.isoformat()) or (gender and gender != info.gender):
            faults.append(f"人员 #{pid}：出生日期或性别与身份证号不一致。")
        if len(faults) >= 50:
            break
    bad_kind = conn.execute(
        """SELECT m.id FROM member m JOIN org_unit o ON o.id = m.branch_id WHERE o.kind != 'branch' LIMIT 20"""
    ).fetchall()
    faults += [f"党员 #{r[0]} 所在支部不是党支部。" for r in bad_kind]
    faults += member_events.rule_faults(conn)
    return faults
