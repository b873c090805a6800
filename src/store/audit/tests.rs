use rusqlite::Connection;
use serde_json::json;

use super::*;
use crate::store::migrate;

fn db() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate::configure(&conn).unwrap();
    migrate::migrate(&mut conn).unwrap();
    conn
}

fn add(conn: &mut Connection, action: AuditAction, component: Option<&str>, n: u32) -> AuditEntry {
    let tx = conn.transaction().unwrap();
    let entry = append(
        &tx,
        NewAuditEntry {
            actor: "alice",
            action,
            component,
            version: Some("1.0.0"),
            detail: json!({ "n": n, "b": [1, "x"], "a": null }),
        },
    )
    .unwrap();
    tx.commit().unwrap();
    entry
}

/// Five entries, seq 1..=5, alternating between two components.
fn five() -> Connection {
    let mut conn = db();
    for n in 1..=5 {
        let component = if n % 2 == 1 { "a" } else { "b" };
        add(&mut conn, AuditAction::Deploy, Some(component), n);
    }
    conn
}

fn broken(conn: &Connection) -> Option<BrokenLink> {
    verify(conn).unwrap().first_broken
}

fn drop_triggers(conn: &Connection) {
    conn.execute_batch("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
        .unwrap();
}

#[test]
fn actions_are_kebab_case_in_both_directions() {
    for (action, text) in [
        (AuditAction::PermissionDenied, "permission-denied"),
        (AuditAction::AuthFailure, "auth-failure"),
        (AuditAction::PipelineFailure, "pipeline-failure"),
        (AuditAction::DeleteVersion, "delete-version"),
        (AuditAction::Rollback, "rollback"),
    ] {
        assert_eq!(action.as_str(), text);
        assert_eq!(text.parse::<AuditAction>().unwrap(), action);
        assert_eq!(serde_json::to_value(action).unwrap(), json!(text));
    }
    assert!("Deploy".parse::<AuditAction>().is_err());
}

#[test]
fn canonical_json_sorts_keys_and_drops_whitespace() {
    let v = json!({ "b": { "z": 1, "y": [true, null, 1.5] }, "a": "q\"\n", "é": -3 });
    assert_eq!(
        canonical_json(&v),
        r#"{"a":"q\"\n","b":{"y":[true,null,1.5],"z":1},"é":-3}"#
    );
}

#[test]
fn the_encoding_is_length_prefixed() {
    let f = |actor, component| Fields {
        seq: 1,
        at: 2,
        actor,
        action: "deploy",
        component,
        version: None,
        detail: "null",
    };
    // Moving bytes from one field to the next changes the hash.
    assert_ne!(
        entry_hash(GENESIS_HASH, &f("ab", Some("c"))),
        entry_hash(GENESIS_HASH, &f("a", Some("bc")))
    );
    assert_ne!(
        entry_hash(GENESIS_HASH, &f("a", None)),
        entry_hash(GENESIS_HASH, &f("a", Some("")))
    );
}

#[test]
fn appended_entries_chain_and_verify() {
    let mut conn = db();
    assert_eq!(
        verify(&conn).unwrap(),
        VerifyReport {
            entries: 0,
            first_broken: None
        }
    );
    let first = add(&mut conn, AuditAction::Deploy, Some("a"), 1);
    assert_eq!((first.seq, first.prev_hash.as_str()), (1, GENESIS_HASH));
    let second = add(&mut conn, AuditAction::Trap, None, 2);
    assert_eq!(second.seq, 2);
    assert_eq!(second.prev_hash, first.hash);
    assert_eq!(
        verify(&conn).unwrap(),
        VerifyReport {
            entries: 2,
            first_broken: None
        }
    );
    let listed = list(&conn, None, 10).unwrap();
    assert_eq!(listed, [first.clone(), second]);
    assert_eq!(
        listed[0].detail,
        json!({ "a": null, "b": [1, "x"], "n": 1 })
    );
    assert_eq!(list(&conn, Some("a"), 10).unwrap(), [first]);
}

#[test]
fn list_returns_the_latest_entries_oldest_first() {
    let conn = five();
    let seqs = |c, limit| -> Vec<u64> {
        list(&conn, c, limit)
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect()
    };
    assert_eq!(seqs(None, 2), [4, 5]);
    assert_eq!(seqs(Some("a"), 2), [3, 5]);
    assert_eq!(seqs(Some("b"), usize::MAX), [2, 4]);
}

#[test]
fn triggers_make_the_table_append_only() {
    let conn = five();
    for stmt in [
        "UPDATE audit_log SET actor = 'mallory' WHERE seq = 2",
        "DELETE FROM audit_log WHERE seq = 5",
    ] {
        let err = conn.execute(stmt, []).unwrap_err();
        assert!(
            err.to_string().contains("audit log is append-only"),
            "{err}"
        );
    }
    assert_eq!(broken(&conn), None);
}

#[test]
fn an_edit_around_the_triggers_is_reported_at_its_seq() {
    let conn = five();
    drop_triggers(&conn);
    conn.execute(
        "UPDATE audit_log SET detail = '{\"n\":99}' WHERE seq = 3",
        [],
    )
    .unwrap();
    assert_eq!(
        verify(&conn).unwrap(),
        VerifyReport {
            entries: 5,
            first_broken: Some(BrokenLink {
                seq: 3,
                reason: BrokenReason::HashMismatch
            }),
        }
    );
}

#[test]
fn an_edit_with_a_recomputed_hash_breaks_the_next_link() {
    let conn = five();
    drop_triggers(&conn);
    let (prev, at): (String, u64) = conn
        .query_row(
            "SELECT prev_hash, at FROM audit_log WHERE seq = 3",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let forged = entry_hash(
        &prev,
        &Fields {
            seq: 3,
            at,
            actor: "mallory",
            action: "deploy",
            component: Some("a"),
            version: Some("1.0.0"),
            detail: "null",
        },
    );
    conn.execute(
        "UPDATE audit_log SET actor = 'mallory', detail = 'null', hash = ?1 WHERE seq = 3",
        [forged],
    )
    .unwrap();
    let link = broken(&conn).unwrap();
    assert_eq!((link.seq, link.reason), (4, BrokenReason::PrevHashMismatch));
    assert_eq!(link.reason.to_string(), "prev_hash mismatch");
}

#[test]
fn wrongly_typed_values_are_a_hash_mismatch() {
    let conn = five();
    drop_triggers(&conn);
    conn.execute("UPDATE audit_log SET actor = x'00ff' WHERE seq = 2", [])
        .unwrap();
    let link = broken(&conn).unwrap();
    assert_eq!((link.seq, link.reason), (2, BrokenReason::HashMismatch));
}

#[test]
fn a_deleted_entry_is_a_sequence_gap() {
    let conn = five();
    drop_triggers(&conn);
    conn.execute("DELETE FROM audit_log WHERE seq = 2", [])
        .unwrap();
    assert_eq!(
        verify(&conn).unwrap(),
        VerifyReport {
            entries: 4,
            first_broken: Some(BrokenLink {
                seq: 2,
                reason: BrokenReason::SequenceGap
            }),
        }
    );
}

#[test]
fn entries_cut_off_the_end_are_detected_and_stay_detected() {
    let mut conn = five();
    drop_triggers(&conn);
    conn.execute("DELETE FROM audit_log WHERE seq >= 4", [])
        .unwrap();
    let link = broken(&conn).unwrap();
    assert_eq!((link.seq, link.reason), (4, BrokenReason::SequenceGap));
    // Appending continues from the recorded head, so the hole stays visible.
    assert_eq!(add(&mut conn, AuditAction::Trap, None, 6).seq, 6);
    let link = broken(&conn).unwrap();
    assert_eq!((link.seq, link.reason), (4, BrokenReason::SequenceGap));
}

#[test]
fn rows_written_around_the_head_are_refused_and_reported() {
    let mut conn = five();
    conn.execute(
        "INSERT INTO audit_log SELECT seq + 1, at, actor, action, component, version, detail,
         hash, hash FROM audit_log WHERE seq = 5",
        [],
    )
    .unwrap();
    let link = broken(&conn).unwrap();
    assert_eq!((link.seq, link.reason), (6, BrokenReason::HashMismatch));
    let tx = conn.transaction().unwrap();
    let new = NewAuditEntry {
        actor: "host",
        action: AuditAction::Trap,
        component: None,
        version: None,
        detail: Value::Null,
    };
    let err = append(&tx, new).unwrap_err();
    assert!(
        matches!(
            err,
            AuditError::HeadOutOfSync {
                head_seq: 5,
                last_seq: 6
            }
        ),
        "{err}"
    );
}
