//! Merging must not lose anything (#16): a record restored with what hung
//! on it; edits to different fields of one record merged, field by field,
//! against the version both sides last shared.

mod common;

use common::Nb;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn export(nb: &Nb, name: &str) -> PathBuf {
    let f = nb.db.parent().unwrap().join(name);
    nb.ok(&["export", "--all", "--out", f.to_str().unwrap()]);
    f
}

fn merge(nb: &Nb, file: &Path) -> Value {
    nb.json(&["merge", "--trust-new", file.to_str().unwrap()])
}

fn counts(v: &Value) -> [u64; 4] {
    ["added", "updated", "unchanged", "conflicts"].map(|k| v[k].as_u64().unwrap())
}

/// Two posts holding the same case: a parcel in it with a finding and a
/// note.
fn two_posts() -> (Nb, Nb) {
    let a = Nb::new();
    a.ok(&["add", "case", "--title", "Operation Tea"]);
    a.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--weight",
        "450",
        "--status",
        "seized",
        "--case",
        "C-0001",
    ]);
    a.ok(&[
        "add",
        "finding",
        "--parcel",
        "RR123456785KZ",
        "--substance",
        "mephedrone",
        "--form",
        "powder",
    ]);
    a.ok(&[
        "add",
        "note",
        "--on",
        "RR123456785KZ",
        "--text",
        "collected at the depot",
    ]);
    let b = Nb::new();
    b.ok(&["init"]);
    merge(&b, &export(&a, "first.db"));
    (a, b)
}

/// a weighs the parcel 460 g, b 470 g.
fn weighed_apart(a: &Nb, b: &Nb) {
    a.ok(&["edit", "RR123456785KZ", "--set", "weight_g=460"]);
    b.ok(&["edit", "RR123456785KZ", "--set", "weight_g=470"]);
}

/// Two posts that each hold the same conflict: a weighed the parcel 460
/// g, b 470 g, and each merged the other's file.
fn both_hold_a_conflict() -> (Nb, Nb) {
    let (a, b) = two_posts();
    weighed_apart(&a, &b);
    assert_eq!(counts(&merge(&a, &export(&b, "b1.db")))[3], 1);
    assert_eq!(counts(&merge(&b, &export(&a, "a1.db")))[3], 1);
    (a, b)
}

/// The id of the first open conflict.
fn first_conflict(nb: &Nb) -> String {
    nb.json(&["conflicts"])[0]["id"]
        .as_i64()
        .unwrap()
        .to_string()
}

/// Whether the notebook has no open conflict.
fn none_open(nb: &Nb) -> bool {
    nb.json(&["conflicts"]).as_array().unwrap().is_empty()
}

/// Every record of the notebook as JSON, by id (provenance aside, which
/// differs by post).
fn records(nb: &Nb) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    for kind in ["cases", "parcels", "findings", "links", "notes"] {
        for r in nb
            .json(&["list", kind, "--limit", "1000"])
            .as_array()
            .unwrap()
        {
            out.insert(r["id"].as_str().unwrap().to_string(), r.to_string());
        }
    }
    out
}

#[test]
fn a_parcel_deleted_here_and_edited_there_comes_back_with_what_hung_on_it() {
    let (a, b) = two_posts();
    a.ok(&["edit", "RR123456785KZ", "--set", "weight_g=455"]);
    b.ok(&["delete", "RR123456785KZ"]);
    assert_eq!(b.count("findings"), 0);
    let r = merge(&b, &export(&a, "edited.db"));
    assert_eq!(counts(&r)[3], 1, "the deletion meets the edit: {r}");
    let c = b.json(&["conflicts"]);
    let id = c[0]["id"].as_i64().unwrap().to_string();
    b.ok(&["conflicts", "resolve", &id, "--keep", "incoming"]);
    // Back with its finding, its note and its place in the case.
    assert_eq!(b.count("parcels"), 1);
    assert_eq!(b.count("findings"), 1);
    assert_eq!(b.count("notes"), 1);
    let xref = b.ok(&["show", "C-0001"]);
    assert!(xref.contains("RR123456785KZ"), "{xref}");
    // The settled parcel is a version of b's own, stamped by the
    // settlement: a takes it on its next merge of b's file, and then the
    // two posts hold the same records.
    let p = b.json(&["show", "RR123456785KZ"]);
    assert_eq!(p["weight_g"], 455.0, "{p}");
    let back = merge(&a, &export(&b, "settled.db"));
    assert_eq!(counts(&back)[1], 1, "a takes the settlement: {back}");
    assert_eq!(records(&a), records(&b));
    let again = merge(&b, &export(&a, "again.db"));
    assert_eq!(counts(&again)[..3], [0, 0, counts(&again)[2]], "{again}");
    assert_eq!(records(&a), records(&b));
    b.ok(&["audit", "verify"]);
    common::assert_consistent(&b.db);
}

#[test]
fn edits_to_different_fields_merge_and_the_same_field_is_a_conflict_shown_with_its_base() {
    let (a, b) = two_posts();
    // Different fields: a sets the status, b the weight.
    a.ok(&["edit", "RR123456785KZ", "--set", "status=released"]);
    b.ok(&["edit", "RR123456785KZ", "--set", "weight_g=455"]);
    let r = merge(&b, &export(&a, "status.db"));
    assert_eq!(counts(&r)[3], 0, "different fields do not conflict: {r}");
    assert_eq!(counts(&r)[1], 1, "{r}");
    let p = b.json(&["show", "RR123456785KZ"]);
    assert_eq!(p["status"], "released", "{p}");
    assert_eq!(p["weight_g"], 455.0, "{p}");
    // Back the other way, a takes the merged version: the same records.
    let r = merge(&a, &export(&b, "merged.db"));
    assert_eq!(counts(&r)[3], 0, "{r}");
    assert_eq!(records(&a), records(&b));

    // The same field changed differently: a conflict on that field only,
    // shown with the version both shared; the other field still merges.
    a.ok(&[
        "edit",
        "RR123456785KZ",
        "--set",
        "weight_g=460",
        "--set",
        "status=seized",
    ]);
    b.ok(&["edit", "RR123456785KZ", "--set", "weight_g=470"]);
    let r = merge(&b, &export(&a, "clash.db"));
    assert_eq!(counts(&r)[3], 1, "{r}");
    let p = b.json(&["show", "RR123456785KZ"]);
    assert_eq!(
        p["status"], "seized",
        "the field a alone changed merged: {p}"
    );
    assert_eq!(
        p["weight_g"], 470.0,
        "ours stays until someone chooses: {p}"
    );
    let id = b.json(&["conflicts"])[0]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let shown = b.json(&["conflicts", "show", &id]);
    let fields: Vec<&Value> = shown["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !["updated_at", "updated_by"].contains(&f["field"].as_str().unwrap()))
        .collect();
    assert_eq!(fields.len(), 1, "{shown}");
    assert_eq!(fields[0]["field"], "weight_g");
    assert_eq!(fields[0]["base"], "455.0");
    assert_eq!(fields[0]["local"], "470.0");
    assert_eq!(fields[0]["incoming"], "460.0");
    let text = b.ok(&["conflicts", "show", &id]);
    assert!(text.contains("SHARED") && text.contains("455.0"), "{text}");
    b.ok(&["conflicts", "resolve", &id, "--keep", "incoming"]);
    let p = b.json(&["show", "RR123456785KZ"]);
    assert_eq!(
        (p["weight_g"].clone(), p["status"].clone()),
        (460.0.into(), "seized".into())
    );
    merge(&a, &export(&b, "settled.db"));
    assert_eq!(records(&a), records(&b));
    b.ok(&["audit", "verify"]);
    a.ok(&["audit", "verify"]);
    common::assert_consistent(&b.db);
}

#[test]
fn deletions_travel_and_a_deletion_meeting_an_edit_is_a_conflict() {
    let (a, b) = two_posts();
    // A note deleted at one post is deleted at the other.
    let note = a.json(&["list", "notes"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    a.ok(&["delete", &note]);
    let r = merge(&b, &export(&a, "no-note.db"));
    assert_eq!(r["deleted"], 1, "{r}");
    assert_eq!(b.count("notes"), 0);
    assert_eq!(records(&a), records(&b));
    // Merging the same file again changes nothing.
    let again = merge(&b, &export(&a, "no-note-again.db"));
    assert_eq!(again["deleted"], 0, "{again}");

    // A parcel deleted at a, edited at b since: the deletion meets the
    // edit as a conflict at b, which keeps its version...
    a.ok(&["delete", "RR123456785KZ"]);
    b.ok(&["edit", "RR123456785KZ", "--set", "weight_g=470"]);
    let r = merge(&b, &export(&a, "no-parcel.db"));
    assert_eq!((r["deleted"].as_u64(), counts(&r)[3]), (Some(0), 1), "{r}");
    assert_eq!(b.count("parcels"), 1);
    let id = b.json(&["conflicts"])[0]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let shown = b.ok(&["conflicts", "show", &id]);
    assert!(shown.contains("(deleted there)"), "{shown}");
    // The list says so too (it named every field, the id's and kind's).
    let listed = b.ok(&["conflicts", "list"]);
    let row = listed
        .lines()
        .find(|l| l.contains("RR123456785KZ"))
        .unwrap();
    assert!(
        row.contains("(deleted there)") && !row.contains("weight_g"),
        "{listed}"
    );
    b.ok(&["conflicts", "resolve", &id, "--keep", "local"]);
    // ...and a, told so, takes it back with what hung on it.
    let r = merge(&a, &export(&b, "kept.db"));
    assert_eq!(counts(&r)[3], 0, "{r}");
    assert_eq!(a.count("parcels"), 1);
    assert_eq!(a.count("findings"), 1);
    // ...and says how many came back with it (it said nothing of them).
    assert!(r["brought_back"].as_u64().unwrap() >= 1, "{r}");
    assert_eq!(records(&a), records(&b));

    // Deleted at b with nothing changed at a since: deleted at a too.
    b.ok(&["delete", "RR123456785KZ"]);
    let r = merge(&a, &export(&b, "gone.db"));
    assert!(
        r["deleted"].as_u64().unwrap() >= 2,
        "the parcel and its finding: {r}"
    );
    assert_eq!(a.count("parcels"), 0);
    assert_eq!(records(&a), records(&b));
    for nb in [&a, &b] {
        nb.ok(&["audit", "verify"]);
        common::assert_consistent(&nb.db);
    }
}

/// A parcel deleted at one post that the other has since hung its own
/// work on (a note, a finding, a link to a person) is not deleted with
/// that work: the deletion meets it as a conflict, nothing of it lost;
/// taken, it deletes the parcel with what hangs on it, as chosen. (The
/// note, finding and link went with the parcel, reported as "deleted
/// there", with no conflict.)
#[test]
fn a_deletion_does_not_take_work_the_deleter_never_saw() {
    let (a, b) = two_posts();
    b.ok(&[
        "add",
        "note",
        "--on",
        "RR123456785KZ",
        "--text",
        "informant: the recipient is Marat",
    ]);
    b.ok(&[
        "add",
        "finding",
        "--parcel",
        "RR123456785KZ",
        "--substance",
        "carfentanil",
    ]);
    b.ok(&["add", "person", "--name", "Marat Aliyev"]);
    b.ok(&[
        "add",
        "link",
        "Marat Aliyev",
        "RR123456785KZ",
        "--type",
        "recipient-of",
    ]);
    let before = (b.count("notes"), b.count("findings"), b.count("links"));
    a.ok(&["delete", "RR123456785KZ"]);
    let r = merge(&b, &export(&a, "no-parcel.db"));
    assert_eq!((r["deleted"].as_u64(), counts(&r)[3]), (Some(0), 1), "{r}");
    assert_eq!(b.count("parcels"), 1);
    assert_eq!(
        (b.count("notes"), b.count("findings"), b.count("links")),
        before
    );
    let id = b.json(&["conflicts"])[0]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let shown = b.ok(&["conflicts", "show", &id]);
    assert!(shown.contains("incoming: deleted there"), "{shown}");
    // What would go with it is named before anyone chooses.
    assert!(
        shown.contains("--keep incoming deletes with it 6 record(s) here: ")
            && shown.contains("; note 2026-")
            && shown.contains("informant: the recipient is Marat")
            && shown.contains("finding of Carfentanil, ")
            && shown.contains("link recipient-of Marat Aliyev -> RR123456785KZ"),
        "{shown}"
    );
    // Taken: deleted, with what hangs on it, by a person's choice.
    b.ok(&["conflicts", "resolve", &id, "--keep", "incoming"]);
    assert_eq!(b.count("parcels"), 0);
    assert_eq!(b.count("findings"), 0);
    b.ok(&["audit", "verify"]);
    common::assert_consistent(&b.db);
    // What the deleter had seen goes with the parcel without a word, as
    // before: the first deletion's test above.
}

/// A parcel deleted at one post and edited at the other waits as a
/// conflict with all that hangs on it, however deep: its finding's lab
/// result too (it was deleted at once, turning the finding presumptive,
/// and came back at neither post when the parcel was kept).
#[test]
fn a_deletion_waiting_as_a_conflict_keeps_what_hangs_on_what_hangs_on_it() {
    let (a, b) = two_posts();
    a.ok(&[
        "lab",
        "add",
        "RR123456785KZ",
        "--lab",
        "Customs Laboratory",
        "--ref",
        "LAB-1",
        "--method",
        "GC-MS",
        "--outcome",
        "confirmed",
    ]);
    merge(&b, &export(&a, "with-lab.db"));
    let confirmed = |nb: &Nb| {
        let shown = nb.ok(&["show", "RR123456785KZ"]);
        (nb.count("lab_results"), shown.contains("lab-confirmed"))
    };
    assert_eq!(confirmed(&b), (1, true));
    a.ok(&["delete", "RR123456785KZ"]);
    b.ok(&["edit", "RR123456785KZ", "--set", "concealment=false bottom"]);
    let r = merge(&b, &export(&a, "deleted.db"));
    assert_eq!((r["deleted"].as_u64(), counts(&r)[3]), (Some(0), 1), "{r}");
    assert_eq!(confirmed(&b), (1, true));
    // Merged again, the same.
    merge(&b, &export(&a, "deleted-again.db"));
    assert_eq!(confirmed(&b), (1, true));
    // Kept: the deleter takes the parcel back with its lab result.
    let id = b.json(&["conflicts"])[0]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    b.ok(&["conflicts", "resolve", &id, "--keep", "local"]);
    merge(&a, &export(&b, "kept.db"));
    assert_eq!(confirmed(&a), (1, true));
    for nb in [&a, &b] {
        nb.ok(&["audit", "verify"]);
        common::assert_consistent(&nb.db);
    }
}

/// Both posts settle by taking the other's value (the case the property
/// test found): each settlement is a new version, so the posts end with
/// one record instead of each keeping a version the other had seen.
#[test]
fn posts_that_each_take_the_others_value_end_the_same() {
    let (a, b) = two_posts();
    b.ok(&["edit", "RR123456785KZ", "--set", "declared_contents=books"]);
    a.ok(&["edit", "RR123456785KZ", "--set", "declared_contents=toys"]);
    b.ok(&["edit", "RR123456785KZ", "--set", "weight_g=200"]);
    merge(&a, &export(&b, "first-b.db"));
    let settle = |nb: &Nb| {
        for c in nb.json(&["conflicts"]).as_array().unwrap() {
            let id = c["id"].as_i64().unwrap().to_string();
            nb.ok(&["conflicts", "resolve", &id, "--keep", "incoming"]);
        }
    };
    for round in 0.. {
        assert!(round < 4, "the posts never settle");
        let there = merge(&b, &export(&a, &format!("a{round}.db")));
        settle(&b);
        let back = merge(&a, &export(&b, &format!("b{round}.db")));
        settle(&a);
        let moved =
            |r: &Value| counts(r)[0] + counts(r)[1] + r["new_conflicts"].as_u64().unwrap() > 0;
        if !moved(&there) && !moved(&back) {
            break;
        }
    }
    assert_eq!(records(&a), records(&b));
    let p = a.json(&["show", "RR123456785KZ"]);
    assert_eq!(p["weight_g"], 200.0, "b's weight merged: {p}");
    a.ok(&["audit", "verify"]);
    b.ok(&["audit", "verify"]);
}

/// Taking the incoming side of a conflict takes what that side gave
/// otherwise: edits made here after the conflict was filed, and fields it
/// is not about, stay (the whole incoming record of merge time was
/// written back over them).
#[test]
fn taking_the_incoming_side_keeps_edits_made_here_since() {
    let (a, b) = two_posts();
    weighed_apart(&a, &b);
    let r = merge(&b, &export(&a, "clash.db"));
    assert_eq!(counts(&r)[3], 1, "{r}");
    // Here, after the merge: other fields edited.
    b.ok(&[
        "edit",
        "RR123456785KZ",
        "--set",
        "declared_contents=green tea",
        "--set",
        "recipient_name=Nurlan Zhaksylykov",
    ]);
    let id = b.json(&["conflicts"])[0]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    // The conflict's own field edited here since: taking the incoming
    // side replaces it, and says so (it was done unsaid).
    b.ok(&["edit", "RR123456785KZ", "--set", "weight_g=480"]);
    let said = b.warns(&["conflicts", "resolve", &id, "--keep", "incoming"]);
    assert!(
        said.contains("weight_g was edited here since the conflict was filed (480.0)"),
        "{said}"
    );
    assert!(!said.contains("declared_contents"), "{said}");
    let p = b.json(&["show", "RR123456785KZ"]);
    assert_eq!(p["weight_g"], 460.0, "the incoming side's weight: {p}");
    assert_eq!(p["declared_contents"], "green tea", "{p}");
    assert_eq!(p["recipient_name"], "Nurlan Zhaksylykov", "{p}");
    b.ok(&["audit", "verify"]);
    // The settled version travels back whole.
    merge(&a, &export(&b, "settled.db"));
    assert_eq!(records(&a), records(&b));
}

/// The "here" column of a conflict is the item as it stands here: the
/// weight edited again after the conflict was filed is shown (and kept
/// by `--keep local`), not the 470 g the conflict was filed against,
/// and the listing says it changed since.
#[test]
fn a_conflict_shows_the_item_as_it_stands_here_now() {
    let (a, b) = two_posts();
    weighed_apart(&a, &b);
    assert_eq!(counts(&merge(&b, &export(&a, "clash.db")))[3], 1);
    let id = first_conflict(&b);
    let field = |v: &Value| -> Value {
        v["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["field"] == "weight_g")
            .cloned()
            .unwrap_or(Value::Null)
    };
    let before = b.json(&["conflicts", "show", &id]);
    assert_eq!(field(&before)["local"], "470.0", "{before}");
    assert!(before["conflict"].get("here_now").is_none(), "{before}");
    b.ok(&["edit", "RR123456785KZ", "--set", "weight_g=480"]);
    let after = b.json(&["conflicts", "show", &id]);
    assert_eq!(field(&after)["local"], "480.0", "{after}");
    assert_eq!(field(&after)["incoming"], "460.0", "{after}");
    let text = b.ok(&["conflicts", "show", &id]);
    assert!(
        text.contains("edited here since the conflict was filed"),
        "{text}"
    );
    assert!(text.contains("480"), "{text}");
    b.ok(&["conflicts", "resolve", &id, "--keep", "local"]);
    assert_eq!(b.json(&["show", "RR123456785KZ"])["weight_g"], 480.0);
}

/// Two merges of one partner's later edits of the same field file two
/// conflicts. Settling the newer one first, then taking the older one's
/// incoming version would put the older weight back over the newer one
/// silently: it is refused, naming the newer conflict and the field, and
/// the older can still be closed keeping what stands. Settled oldest
/// first, both are taken, and the newer value stands.
#[test]
fn an_older_conflict_does_not_undo_a_newer_one_settled() {
    let clash = |a: &Nb, b: &Nb| -> [String; 2] {
        weighed_apart(a, b);
        merge(b, &export(a, "older.db"));
        a.ok(&["edit", "RR123456785KZ", "--set", "weight_g=480"]);
        merge(b, &export(a, "newer.db"));
        let open = b.json(&["conflicts"]);
        let ids: Vec<String> = open
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap().to_string())
            .collect();
        assert_eq!(ids.len(), 2, "{open}");
        [ids[0].clone(), ids[1].clone()]
    };
    let weight = |b: &Nb| b.json(&["show", "RR123456785KZ"])["weight_g"].clone();

    let (a, b) = two_posts();
    let [older, newer] = clash(&a, &b);
    b.ok(&["conflicts", "resolve", &newer, "--keep", "incoming"]);
    assert_eq!(weight(&b), 480.0);
    let err = b.fails(&["conflicts", "resolve", &older, "--keep", "incoming"]);
    assert!(
        err.contains(&format!("older than conflict {newer}"))
            && err.contains("weight_g")
            && err.contains("--keep local"),
        "{err}"
    );
    assert_eq!(weight(&b), 480.0, "nothing written by the refusal");
    b.ok(&["conflicts", "resolve", &older, "--keep", "local"]);
    assert_eq!(weight(&b), 480.0);
    assert_eq!(b.json(&["conflicts"]).as_array().unwrap().len(), 0);
    b.ok(&["audit", "verify"]);

    // Oldest first: each taken in turn, the newest value stands.
    let (a, b) = two_posts();
    let [older, newer] = clash(&a, &b);
    b.ok(&["conflicts", "resolve", &older, "--keep", "incoming"]);
    assert_eq!(weight(&b), 460.0);
    b.ok(&["conflicts", "resolve", &newer, "--keep", "incoming"]);
    assert_eq!(weight(&b), 480.0);
    b.ok(&["audit", "verify"]);
}

/// A conflict both posts hold, settled at one: the other, taking the
/// settled version, finds its own copy of the conflict closed as
/// `settled-there` (it stayed open, and taking "incoming" there put back
/// the value the partner had rejected); and where the settling post then
/// deletes the record, the deletion closes it likewise (taking "incoming"
/// brought the deleted record back).
#[test]
fn a_conflict_the_partner_settled_closes_when_its_settlement_arrives() {
    let clashed = || {
        let (a, b) = both_hold_a_conflict();
        // a settles: b's value wins there.
        a.ok(&[
            "conflicts",
            "resolve",
            &first_conflict(&a),
            "--keep",
            "incoming",
        ]);
        (a, b)
    };
    let open = |nb: &Nb| nb.json(&["conflicts"]).as_array().unwrap().len();

    let (a, b) = clashed();
    let r = merge(&b, &export(&a, "settled.db"));
    assert_eq!(r["settled_there"], 1, "{r}");
    assert_eq!(open(&b), 0, "{r}");
    let all = b.json(&["conflicts", "list", "--all"]);
    assert_eq!(all[0]["status"], "settled-there", "{all}");
    assert_eq!(
        b.json(&["show", "RR123456785KZ"])["weight_g"],
        470.0,
        "the settled value stands"
    );
    let id = all[0]["id"].as_i64().unwrap().to_string();
    let err = b.fails(&["conflicts", "resolve", &id, "--keep", "incoming"]);
    assert!(err.contains("settled-there"), "{err}");
    assert_eq!(b.json(&["show", "RR123456785KZ"])["weight_g"], 470.0);
    assert_eq!(records(&a), records(&b));
    b.ok(&["audit", "verify"]);

    // Settled, then deleted there: the deletion closes it too.
    let (a, b) = clashed();
    a.ok(&["delete", "RR123456785KZ"]);
    let r = merge(&b, &export(&a, "deleted.db"));
    assert_eq!(r["settled_there"], 1, "{r}");
    assert_eq!(open(&b), 0, "{r}");
    assert!(b.json(&["list", "parcels"]).as_array().unwrap().is_empty());
    b.ok(&["audit", "verify"]);
}

/// A case deleted here while the partner added a parcel and a note to
/// it: the case is offered as a conflict of its own (it was merged as
/// unchanged, and the parcel's link and the note waited for ever on a
/// conflict that did not exist); taking it brings it back with what was
/// deleted with it, and then what waited on it can be taken.
#[test]
fn records_added_there_to_an_item_deleted_here_can_bring_it_back() {
    let (a, b) = two_posts();
    a.ok(&["delete", "C-0001"]);
    b.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR000000014CN",
        "--case",
        "C-0001",
    ]);
    b.ok(&["add", "note", "--on", "C-0001", "--text", "new lead"]);
    let r = merge(&a, &export(&b, "b1.db"));
    let open = a.json(&["conflicts"]);
    let of = |kind: &str| -> Vec<String> {
        open.as_array()
            .unwrap()
            .iter()
            .filter(|c| c["item_kind"] == kind)
            .map(|c| c["id"].as_i64().unwrap().to_string())
            .collect()
    };
    let (case, links, notes) = (of("case"), of("link"), of("note"));
    assert_eq!(case.len(), 1, "the case is offered: {r} {open}");
    assert_eq!((links.len(), notes.len()), (1, 1), "{open}");
    // Never here: said so, not "deleted here" (the case was).
    let shown = a.ok(&["conflicts", "show", &notes[0]]);
    assert!(
        shown.contains("(not here)") && !shown.contains("(deleted here)"),
        "{shown}"
    );
    let shown = a.ok(&["conflicts", "show", &case[0]]);
    assert!(shown.contains("(deleted here)"), "{shown}");
    // What waits on it says which conflict brings it back.
    let err = a.fails(&["conflicts", "resolve", &notes[0], "--keep", "incoming"]);
    assert!(
        err.contains(&format!(
            "interdict conflicts resolve {} --keep incoming",
            case[0]
        )),
        "{err}"
    );
    a.ok(&["conflicts", "resolve", &case[0], "--keep", "incoming"]);
    a.ok(&["conflicts", "resolve", &links[0], "--keep", "incoming"]);
    a.ok(&["conflicts", "resolve", &notes[0], "--keep", "incoming"]);
    // Settled, the note taken is still one that was never here before:
    // not "(deleted here)", now that it has entries here.
    let shown = a.ok(&["conflicts", "show", &notes[0]]);
    assert!(
        shown.contains("(not here)") && !shown.contains("(deleted here)"),
        "{shown}"
    );
    let shown = a.ok(&["show", "C-0001"]);
    assert!(
        shown.contains("RR123456785KZ") && shown.contains("RR000000014CN"),
        "the case is back with its parcel and the partner's: {shown}"
    );
    assert!(a.ok(&["list", "notes"]).contains("new lead"));
    // Each record taken came through the file: its provenance names it,
    // as a merge's own writes do (it named no file).
    for c in open.as_array().unwrap() {
        let id = c["item_id"].as_str().unwrap();
        let through = a.json(&["show", id])["came_through"].to_string();
        assert!(
            through.contains("b1.db"),
            "{} {id}: {through}",
            c["item_kind"]
        );
    }
    a.ok(&["audit", "verify"]);
    common::assert_consistent(&a.db);
}

/// A partner's version held here as a conflict is received, not taken:
/// passed on in an export, it is not one this side "moved on from". Two
/// posts that changed one field differently each meet a conflict, in
/// whatever order their files go round; the record here keeps its own
/// value and who wrote it while it waits; and a third post that received
/// the first's file before the second's meets the conflict too. (The
/// second post's value was overwritten without a word, and the first's
/// value shown as the second's.)
#[test]
fn a_version_held_as_a_conflict_is_never_passed_on_as_taken() {
    let (a, b) = two_posts();
    let c = Nb::new();
    c.ok(&["init"]);
    merge(&c, &a.beside("first.db"));
    a.ok(&[
        "--as",
        "alice",
        "edit",
        "RR123456785KZ",
        "--set",
        "weight_g=200",
    ]);
    b.ok(&[
        "--as",
        "bob",
        "edit",
        "RR123456785KZ",
        "--set",
        "weight_g=300",
    ]);
    let b1 = export(&b, "b1.db");
    assert_eq!(counts(&merge(&a, &b1))[3], 1);
    let p = a.json(&["show", "RR123456785KZ"]);
    assert_eq!(p["weight_g"], 200.0, "{p}");
    assert!(
        p["updated_by"].as_str().unwrap().starts_with("alice"),
        "the value here is alice's, and says so: {p}"
    );
    let a1 = export(&a, "a1.db");
    let r = merge(&b, &a1);
    assert_eq!(counts(&r)[1], 0, "bob's value is not overwritten: {r}");
    assert_eq!(counts(&r)[3], 1, "{r}");
    assert_eq!(b.json(&["show", "RR123456785KZ"])["weight_g"], 300.0);
    // The third post: alice's file, then bob's.
    merge(&c, &a1);
    let r = merge(&c, &b1);
    assert_eq!(counts(&r)[3], 1, "bob's value meets alice's there too: {r}");
}

/// A record merged field by field at one post has moved on from both
/// sides' versions: a third post that holds the partner's version takes
/// the merged one without a conflict (it met the field the partner had
/// not changed as a conflict: its log held neither side as taken).
#[test]
fn a_record_merged_field_by_field_travels_to_a_third_post_without_a_conflict() {
    let (a, b) = two_posts();
    let c = Nb::new();
    c.ok(&["init"]);
    a.ok(&["edit", "RR123456785KZ", "--set", "status=released"]);
    b.ok(&["edit", "RR123456785KZ", "--set", "weight_g=455"]);
    let b1 = export(&b, "b1.db");
    let r = merge(&a, &b1);
    assert_eq!(counts(&r)[3], 0, "{r}");
    let a2 = export(&a, "a2.db");
    merge(&c, &b1);
    let r = merge(&c, &a2);
    assert_eq!(counts(&r)[3], 0, "the merged record is taken: {r}");
    assert_eq!(counts(&r)[1], 1, "{r}");
    let p = c.json(&["show", "RR123456785KZ"]);
    assert_eq!(
        (p["status"].clone(), p["weight_g"].clone()),
        ("released".into(), 455.0.into()),
        "{p}"
    );
    // And bob, whose version the merge took in, takes it too.
    let r = merge(&b, &a2);
    assert_eq!(counts(&r)[3], 0, "{r}");
    assert_eq!(records(&b), records(&c));
    let log = a.ok(&["audit", "log", "RR123456785KZ"]);
    assert!(log.contains("merge-fields"), "{log}");
    a.ok(&["audit", "verify"]);
    c.ok(&["audit", "verify"]);
}

/// Three posts in a ring, a → b → c → a: a weighs the parcel 111 g, b
/// 222 g, c writes its contents. b holds a's weight as a conflict; c
/// merges b's version field by field with its own. When c's file comes
/// to a, a's 111 g was never moved on from by anyone: a meets b's 222 g
/// as a conflict and takes c's contents; and b's conflict stays open
/// until a person settles it (a's file then offers b a's newer version,
/// the contents taken, the weight again in conflict). (a took 222 g without a word, and b's
/// conflict was closed as settled there by a, who had settled nothing.)
#[test]
fn a_relayed_field_merge_does_not_overwrite_a_third_posts_edit() {
    let (a, b) = two_posts();
    let c = Nb::new();
    c.ok(&["init"]);
    merge(&c, &export(&b, "b0.db"));
    a.ok(&["edit", "RR123456785KZ", "--set", "weight_g=111"]);
    b.ok(&["edit", "RR123456785KZ", "--set", "weight_g=222"]);
    c.ok(&[
        "edit",
        "RR123456785KZ",
        "--set",
        "declared_contents=green tea",
    ]);
    assert_eq!(counts(&merge(&b, &export(&a, "a1.db")))[3], 1);
    let r = merge(&c, &export(&b, "b1.db"));
    assert_eq!(
        counts(&r)[3],
        0,
        "c merges b's weight with its contents: {r}"
    );
    let r = merge(&a, &export(&c, "c1.db"));
    assert_eq!(counts(&r)[3], 1, "a meets b's weight as a conflict: {r}");
    let p = a.json(&["show", "RR123456785KZ"]);
    assert_eq!(p["weight_g"], 111.0, "{p}");
    assert_eq!(p["declared_contents"], "green tea", "{p}");
    let r = merge(&b, &export(&a, "a2.db"));
    assert_eq!(r["settled_there"], 0, "{r}");
    let all = b.json(&["conflicts", "list", "--all"]);
    let first = &all.as_array().unwrap()[0];
    assert_eq!(first["status"], "open", "b's stays open: {all}");
    assert_eq!(b.json(&["show", "RR123456785KZ"])["weight_g"], 222.0);
    a.ok(&["audit", "verify"]);
    b.ok(&["audit", "verify"]);
}

/// A partner's version that loosens a record's TLP label (RED to GREEN)
/// is never taken without a person: it waits as a conflict, the label
/// here stays (it was taken silently, and the next plain export carried
/// the RED note out).
#[test]
fn a_partner_loosening_a_label_meets_a_conflict() {
    let (a, b) = two_posts();
    let note = a
        .ok(&[
            "add",
            "note",
            "--on",
            "RR123456785KZ",
            "--text",
            "informant X says",
            "--tlp",
            "RED",
        ])
        .trim()
        .to_string();
    let out = a.beside("red.db");
    a.ok(&[
        "export",
        "--all",
        "--include-red",
        &note,
        "--out",
        out.to_str().unwrap(),
    ]);
    merge(&b, &out);
    b.ok(&["edit", &note, "--set", "tlp=GREEN"]);
    let r = merge(&a, &export(&b, "loosened.db"));
    assert_eq!(counts(&r)[1], 0, "{r}");
    assert_eq!(counts(&r)[3], 1, "{r}");
    assert_eq!(a.json(&["show", &note])["tlp"], "RED");
}

/// A parcel deleted with its notes and findings: the export of its case
/// carries all their deletions, and a post that changed nothing deletes
/// them all, without a conflict (the notes' and findings' histories were
/// left behind, and the receiver met the parcel's deletion as one that
/// took what the deleter never saw: a conflict with no field).
#[test]
fn a_parcel_deleted_with_its_notes_travels_whole() {
    let (a, b) = two_posts();
    assert_eq!(b.count("notes"), 1);
    a.ok(&["delete", "RR123456785KZ"]);
    let f = a.beside("deleted.db");
    a.ok(&["export", "--case", "C-0001", "--out", f.to_str().unwrap()]);
    let r = merge(&b, &f);
    assert_eq!(counts(&r)[3], 0, "{r}");
    assert_eq!(b.count("parcels"), 0, "{r}");
    assert_eq!(b.count("notes"), 0, "{r}");
    assert_eq!(b.count("findings"), 0, "{r}");
}

/// A deletion received with a post's history stops an older copy from a
/// third post bringing the record back (a retracted note came back with
/// "added 1", no conflict), though the record was never here.
#[test]
fn a_deletion_received_stops_an_older_copy_bringing_the_record_back() {
    let (a, _b) = two_posts();
    let note = a
        .ok(&[
            "add",
            "note",
            "--on",
            "RR123456785KZ",
            "--text",
            "wrong lead, retracted later",
        ])
        .trim()
        .to_string();
    let c = Nb::new();
    c.ok(&["init"]);
    merge(&c, &export(&a, "a0.db"));
    let c1 = export(&c, "c1.db");
    a.ok(&["delete", &note]);
    let a1 = export(&a, "a1.db");
    let d = Nb::new();
    d.ok(&["init"]);
    merge(&d, &a1);
    let r = merge(&d, &c1);
    assert_eq!(counts(&r)[0], 0, "the retracted note is not added: {r}");
    assert_eq!(counts(&r)[3], 0, "{r}");
    let notes = d.ok(&["list", "notes"]);
    assert!(!notes.contains("retracted"), "{notes}");
}

/// A notebook's own entries that come back in a partner's file (its
/// history of what it received from here) are shown once, as this
/// notebook's (they were shown twice, the second as another log's).
#[test]
fn own_entries_back_from_a_partner_are_shown_once() {
    let (a, b) = two_posts();
    merge(&a, &export(&b, "back.db"));
    let log = a.json(&["audit", "log", "RR123456785KZ"]);
    let entries = log.as_array().unwrap();
    let mut seen = std::collections::HashSet::new();
    for e in entries {
        let key = (
            e["at"].to_string(),
            e["action"].to_string(),
            e["seq"].to_string(),
        );
        assert!(seen.insert(key), "shown twice: {e}\n{log}");
    }
    assert!(!entries.is_empty());
}

/// An older file arriving after the newer one that deleted a record:
/// the deleter had seen the older version, so it stays deleted (it came
/// back as a conflict, one choice from restoring a retracted note).
#[test]
fn an_older_file_after_a_deletion_leaves_the_record_deleted() {
    let (a, b) = two_posts();
    let note = b.json(&["list", "notes"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    a.ok(&["edit", &note, "--set", "text=RETRACTED, source burned"]);
    let older = export(&a, "older.db");
    a.ok(&["delete", &note]);
    let newer = export(&a, "newer.db");
    let r = merge(&b, &newer);
    assert_eq!(r["deleted"], 1, "{r}");
    let r = merge(&b, &older);
    assert_eq!(counts(&r)[3], 0, "{r}");
    assert!(b.json(&["list", "notes"]).as_array().unwrap().is_empty());
    b.ok(&["audit", "verify"]);
}

/// A settlement closes the other post's copy of the conflict however it
/// comes: merged field by field with an edit made there meanwhile, or
/// relayed through a third post; and a settlement keeping a deletion
/// closes it with the deletion (it stayed open on a missing record, and
/// `--keep local` failed).
#[test]
fn a_partners_settlement_closes_the_conflict_however_it_comes() {
    let clashed = both_hold_a_conflict;
    let first = first_conflict;
    let open = |nb: &Nb| nb.json(&["conflicts"]).as_array().unwrap().len();

    // Field by field: b edited another field meanwhile.
    let (a, b) = clashed();
    b.ok(&["edit", "RR123456785KZ", "--set", "status=released"]);
    a.ok(&["conflicts", "resolve", &first(&a), "--keep", "incoming"]);
    let r = merge(&b, &export(&a, "a2.db"));
    assert_eq!(r["settled_there"], 1, "{r}");
    assert_eq!(open(&b), 0);
    let p = b.json(&["show", "RR123456785KZ"]);
    assert_eq!(
        (p["weight_g"].clone(), p["status"].clone()),
        (470.0.into(), "released".into())
    );

    // Relayed through a third post (a took b's value: the same data).
    let (a, b) = clashed();
    let c = Nb::new();
    c.ok(&["init"]);
    merge(&c, &a.beside("first.db"));
    a.ok(&["conflicts", "resolve", &first(&a), "--keep", "incoming"]);
    merge(&c, &export(&a, "a2.db"));
    let r = merge(&b, &export(&c, "c1.db"));
    let all = b.json(&["conflicts", "list", "--all"]);
    let stale = all
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["file"].as_str().unwrap().ends_with("a1.db"))
        .unwrap();
    assert_eq!(stale["status"], "settled-there", "{r} {all}");
}

/// A settlement keeping a deletion closes the other post's conflict when
/// the deletion arrives.
#[test]
fn a_settlement_keeping_a_deletion_closes_the_partners_conflict() {
    let (a, b) = two_posts();
    let note = b.json(&["list", "notes"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    a.ok(&["delete", &note]);
    b.ok(&["edit", &note, "--set", "text=consignee +77019998877"]);
    assert_eq!(counts(&merge(&a, &export(&b, "b1.db")))[3], 1);
    assert_eq!(counts(&merge(&b, &export(&a, "a1.db")))[3], 1);
    let id = a.json(&["conflicts"])[0]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    a.ok(&["conflicts", "resolve", &id, "--keep", "local"]);
    let r = merge(&b, &export(&a, "a2.db"));
    assert!(
        b.json(&["conflicts"]).as_array().unwrap().is_empty(),
        "{r} {}",
        b.ok(&["conflicts", "list", "--all"])
    );
    b.ok(&["audit", "verify"]);
}

/// An older file whose changes this notebook has through a newer relay
/// changes nothing and says so (it wrote a `merge-fields` version that
/// changed nothing, counted as updated).
#[test]
fn an_older_file_already_merged_through_a_relay_changes_nothing() {
    let (a, b) = two_posts();
    let c = Nb::new();
    c.ok(&["init"]);
    merge(&c, &a.beside("first.db"));
    a.ok(&["edit", "RR123456785KZ", "--set", "status=released"]);
    b.ok(&["edit", "RR123456785KZ", "--set", "weight_g=455"]);
    c.ok(&["edit", "RR123456785KZ", "--set", "declared_contents=tea"]);
    let b1 = export(&b, "b1.db");
    merge(&a, &b1);
    merge(&c, &b1);
    let a2 = export(&a, "a2.db");
    merge(&c, &a2);
    merge(&b, &export(&c, "c1.db"));
    let before = b.ok(&["audit", "log", "RR123456785KZ"]);
    let r = merge(&b, &a2);
    assert_eq!(counts(&r)[1], 0, "{r}");
    assert_eq!(before, b.ok(&["audit", "log", "RR123456785KZ"]));
}

/// A record deleted here and edited there, kept over the deletion by the
/// editor after this post met it as a conflict: the next merge of the
/// editor's file brings it back and closes the conflict here (it met the
/// same conflict again on every merge, and the posts never met).
#[test]
fn a_record_kept_over_this_deletion_comes_back_though_a_conflict_waits() {
    let (a, b) = two_posts();
    b.ok(&["delete", "RR123456785KZ"]);
    a.ok(&["edit", "RR123456785KZ", "--set", "weight_g=455"]);
    assert_eq!(counts(&merge(&b, &export(&a, "a1.db")))[3], 1);
    assert_eq!(counts(&merge(&a, &export(&b, "b1.db")))[3], 1);
    a.ok(&[
        "conflicts",
        "resolve",
        &first_conflict(&a),
        "--keep",
        "local",
    ]);
    let r = merge(&b, &export(&a, "a2.db"));
    assert_eq!(counts(&r)[3], 0, "{r}");
    assert_eq!(b.count("parcels"), 1, "{r}");
    assert!(none_open(&b), "{r}");
    assert_eq!(b.json(&["show", "RR123456785KZ"])["weight_g"], 455.0);
    merge(&a, &export(&b, "b2.db"));
    assert_eq!(records(&a), records(&b));
    b.ok(&["audit", "verify"]);
}

/// Two posts that each settle their copy of one conflict: what each
/// chose, and the weight each holds after they exchange files again.
fn settled_both_ways(a_keeps: &str, b_keeps: &str) -> (Nb, Nb, [Value; 2]) {
    let (a, b) = both_hold_a_conflict();
    a.ok(&[
        "conflicts",
        "resolve",
        &first_conflict(&a),
        "--keep",
        a_keeps,
    ]);
    b.ok(&[
        "conflicts",
        "resolve",
        &first_conflict(&b),
        "--keep",
        b_keeps,
    ]);
    let (fa, fb) = (export(&a, "a2.db"), export(&b, "b2.db"));
    let merged = [merge(&a, &fb), merge(&b, &fa)];
    (a, b, merged)
}

fn weight(nb: &Nb) -> f64 {
    nb.json(&["show", "RR123456785KZ"])["weight_g"]
        .as_f64()
        .unwrap()
}

/// Two posts that settle one conflict differently meet it again as a
/// conflict of that field at both (each took the other's value without a
/// word, or the earlier settlement stood at both); settled once more, the
/// later settlement travels and closes the other post's conflict. Two
/// posts that settle it the same way meet nothing.
#[test]
fn a_conflict_settled_differently_at_two_posts_is_met_again() {
    for (a_keeps, b_keeps, a_has, b_has) in [
        ("local", "local", 460.0, 470.0),
        ("incoming", "incoming", 470.0, 460.0),
    ] {
        let (a, b, merged) = settled_both_ways(a_keeps, b_keeps);
        for r in &merged {
            assert_eq!(
                counts(r),
                [0, 0, counts(r)[2], 1],
                "{a_keeps}/{b_keeps}: {r}"
            );
        }
        assert_eq!(
            (weight(&a), weight(&b)),
            (a_has, b_has),
            "{a_keeps}/{b_keeps}"
        );
        let shown = a.ok(&["conflicts", "show", &first_conflict(&a)]);
        let row = shown.lines().find(|l| l.starts_with("weight_g")).unwrap();
        assert!(row.contains("(settled differently)"), "{shown}");

        // Settled again at a: b takes it, and b's conflict closes.
        a.ok(&[
            "conflicts",
            "resolve",
            &first_conflict(&a),
            "--keep",
            "incoming",
        ]);
        let r = merge(&b, &export(&a, "a3.db"));
        assert_eq!(r["settled_there"], 1, "{r}");
        assert_eq!(weight(&b), b_has, "a took b's value: {r}");
        let r = merge(&a, &export(&b, "b3.db"));
        assert_eq!(counts(&r)[3], 0, "{r}");
        assert!(none_open(&a) && none_open(&b));
        assert_eq!(records(&a), records(&b));
        a.ok(&["audit", "verify"]);
        b.ok(&["audit", "verify"]);
    }
    for (a_keeps, b_keeps, both) in [("incoming", "local", 470.0), ("local", "incoming", 460.0)] {
        let (a, b, merged) = settled_both_ways(a_keeps, b_keeps);
        for r in &merged {
            assert_eq!(counts(r)[3], 0, "{a_keeps}/{b_keeps}: {r}");
        }
        assert_eq!((weight(&a), weight(&b)), (both, both));
    }
}

/// Three posts: a and b edit one weight differently; c receives both and
/// keeps a's value, while a takes b's. The two settlements, each made
/// before the other was seen, meet again as a conflict at both a and c
/// (c's settlement was overwritten by a merge of the fields, "updated 1",
/// and a's merge of c's file said nothing).
#[test]
fn a_settlement_at_a_third_post_meets_the_editors_other_settlement_again() {
    let (a, b) = two_posts();
    let c = Nb::new();
    c.ok(&["init"]);
    merge(&c, &export(&a, "first-c.db"));
    a.ok(&["edit", "RR123456785KZ", "--set", "weight_g=500"]);
    b.ok(&["edit", "RR123456785KZ", "--set", "weight_g=600"]);
    let (fa, fb) = (export(&a, "a2.db"), export(&b, "b2.db"));
    assert_eq!(counts(&merge(&a, &fb))[3], 1);
    merge(&c, &fa);
    assert_eq!(counts(&merge(&c, &fb))[3], 1);
    a.ok(&[
        "conflicts",
        "resolve",
        &first_conflict(&a),
        "--keep",
        "incoming",
    ]);
    c.ok(&[
        "conflicts",
        "resolve",
        &first_conflict(&c),
        "--keep",
        "local",
    ]);
    assert_eq!((weight(&a), weight(&c)), (600.0, 500.0));
    let (fa, fc) = (export(&a, "a3.db"), export(&c, "c3.db"));
    let at_c = merge(&c, &fa);
    let at_a = merge(&a, &fc);
    for r in [&at_c, &at_a] {
        assert_eq!(counts(r)[1], 0, "nothing taken over a settlement: {r}");
        assert_eq!(counts(r)[3], 1, "{r}");
    }
    assert_eq!((weight(&a), weight(&c)), (600.0, 500.0));
    for nb in [&a, &c] {
        let shown = nb.ok(&["conflicts", "show", &first_conflict(nb)]);
        let row = shown.lines().find(|l| l.starts_with("weight_g")).unwrap();
        assert!(row.contains("(settled differently)"), "{shown}");
    }
    // Settled once more at c, the settlement travels and a's closes.
    c.ok(&[
        "conflicts",
        "resolve",
        &first_conflict(&c),
        "--keep",
        "local",
    ]);
    let r = merge(&a, &export(&c, "c4.db"));
    assert_eq!(weight(&a), 500.0, "{r}");
    assert!(none_open(&a), "{r}");
    a.ok(&["audit", "verify"]);
    c.ok(&["audit", "verify"]);
}

/// A settlement names the fields it decided, those it kept as they were
/// too (`audit log` says "kept"): another post's settlement of a
/// conflict about another field decides nothing of this one. Here a and
/// b clash on the weight and b and c on the status; a settles the
/// weight, b only the status. b then takes a's weight (its own conflict
/// of it closes), and a keeps it with nothing to settle (b's value of it
/// overruled a's settlement, and a's came to b, or both posts met a
/// conflict of it again).
#[test]
fn a_settlement_of_another_field_decides_nothing_of_this_one() {
    let (a, b) = two_posts();
    let c = Nb::new();
    c.ok(&["init"]);
    merge(&c, &export(&a, "first-c.db"));
    a.ok(&["edit", "RR123456785KZ", "--set", "weight_g=460"]);
    b.ok(&[
        "edit",
        "RR123456785KZ",
        "--set",
        "weight_g=470",
        "--set",
        "status=released",
    ]);
    c.ok(&[
        "edit",
        "RR123456785KZ",
        "--set",
        "status=controlled-delivery",
    ]);
    let (fa, fb, fc) = (
        export(&a, "a1.db"),
        export(&b, "b1.db"),
        export(&c, "c1.db"),
    );
    assert_eq!(counts(&merge(&b, &fa))[3], 1);
    assert_eq!(counts(&merge(&b, &fc))[3], 1);
    assert_eq!(counts(&merge(&a, &fb))[3], 1);
    a.ok(&[
        "conflicts",
        "resolve",
        &first_conflict(&a),
        "--keep",
        "local",
    ]);
    let log = a.ok(&["audit", "log", "RR123456785KZ"]);
    assert!(log.contains("weight_g: kept 460"), "{log}");
    // b settles the status against c's file, not the weight.
    let open = b.json(&["conflicts"]);
    let status = open
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["file"].as_str().unwrap().contains("c1"))
        .unwrap()["id"]
        .to_string();
    b.ok(&["conflicts", "resolve", &status, "--keep", "local"]);

    let r = merge(&a, &export(&b, "b2.db"));
    assert_eq!(counts(&r)[3], 0, "{r}");
    assert_eq!(weight(&a), 460.0, "a's settlement stands at a: {r}");
    let r = merge(&b, &export(&a, "a2.db"));
    assert_eq!(counts(&r)[3], 0, "{r}");
    assert_eq!(r["settled_there"], 1, "{r}");
    assert_eq!(weight(&b), 460.0, "a's settlement comes to b: {r}");
    let status_here = |nb: &Nb| nb.json(&["show", "RR123456785KZ"])["status"].clone();
    assert_eq!(status_here(&a), "released");
    assert_eq!(status_here(&b), "released");
    assert!(none_open(&b));
    a.ok(&["audit", "verify"]);
    b.ok(&["audit", "verify"]);
}

/// A deletion that met an edit, settled both ways before either post saw
/// the other's choice (b keeps its deletion, a keeps the record over
/// it): a meets b's deletion again as a conflict (it was taken, and a's
/// choice undone without a word). Kept again at a, the record comes back
/// at b, which had settled the first conflict by keeping its deletion
/// (it stayed deleted there); the deletion taken at a, it goes at both.
#[test]
fn a_deletion_settled_both_ways_is_met_again() {
    for again in ["local", "incoming"] {
        let (a, b) = two_posts();
        b.ok(&["delete", "RR123456785KZ"]);
        a.ok(&["edit", "RR123456785KZ", "--set", "weight_g=455"]);
        let (fa, fb) = (export(&a, "a1.db"), export(&b, "b1.db"));
        assert_eq!(counts(&merge(&b, &fa))[3], 1);
        assert_eq!(counts(&merge(&a, &fb))[3], 1);
        a.ok(&[
            "conflicts",
            "resolve",
            &first_conflict(&a),
            "--keep",
            "local",
        ]);
        b.ok(&[
            "conflicts",
            "resolve",
            &first_conflict(&b),
            "--keep",
            "local",
        ]);

        let (fa, fb) = (export(&a, "a2.db"), export(&b, "b2.db"));
        let r = merge(&a, &fb);
        assert_eq!((counts(&r)[3], r["deleted"].as_u64()), (1, Some(0)), "{r}");
        assert_eq!(weight(&a), 455.0);
        merge(&b, &fa);
        assert!(b.json(&["list", "parcels"]).as_array().unwrap().is_empty());

        a.ok(&["conflicts", "resolve", &first_conflict(&a), "--keep", again]);
        merge(&b, &export(&a, "a3.db"));
        merge(&a, &export(&b, "b3.db"));
        let parcels = |nb: &Nb| nb.json(&["list", "parcels"]).as_array().unwrap().len();
        let want = if again == "local" { 1 } else { 0 };
        assert_eq!(
            (parcels(&a), parcels(&b)),
            (want, want),
            "kept {again} again"
        );
        assert_eq!(records(&a), records(&b), "kept {again} again");
        for nb in [&a, &b] {
            assert!(none_open(nb));
            nb.ok(&["audit", "verify"]);
        }
    }
}

/// A merge says which conflicts are new and which, open already, met the
/// same version again (each was said as an item "edited on both sides"
/// on every merge of the file).
#[test]
fn a_merge_says_which_conflicts_are_new() {
    let (a, b) = two_posts();
    weighed_apart(&a, &b);
    let f = export(&b, "b1.db");
    let said = |nb: &Nb| nb.ok(&["merge", "--trust-new", f.to_str().unwrap()]);
    let first = said(&a);
    assert!(first.contains("1 new conflict(s)"), "{first}");
    assert!(!first.contains("already open"), "{first}");
    let again = said(&a);
    assert!(!again.contains("new conflict"), "{again}");
    assert!(
        again.contains("1 conflict(s) already open here met the same version again"),
        "{again}"
    );
}

/// A partner's edit still waiting here as a conflict is not "seen" for
/// the three-way merge of a later version of the record, though a
/// settlement of another conflict of it came after it: the partner's
/// weight stays a conflict (a settlement of the status let a later edit
/// of another field carry this post's weight over it, and the weight's
/// conflict closed as settled-there, which the partner never did).
#[test]
fn an_edit_waiting_as_a_conflict_is_not_passed_over_by_a_later_version() {
    let (a, b) = two_posts();
    b.ok(&["edit", "RR123456785KZ", "--set", "status=released"]);
    a.ok(&[
        "edit",
        "RR123456785KZ",
        "--set",
        "status=controlled-delivery",
    ]);
    assert_eq!(counts(&merge(&a, &export(&b, "b1.db")))[3], 1);
    b.ok(&["edit", "RR123456785KZ", "--set", "weight_g=470"]);
    a.ok(&["edit", "RR123456785KZ", "--set", "weight_g=460"]);
    assert_eq!(counts(&merge(&a, &export(&b, "b2.db")))[3], 1);
    // The older conflict, the status, settled first.
    a.ok(&[
        "conflicts",
        "resolve",
        &first_conflict(&a),
        "--keep",
        "local",
    ]);
    b.ok(&[
        "edit",
        "RR123456785KZ",
        "--set",
        "concealment=inside a tea tin",
    ]);
    let r = merge(&a, &export(&b, "b3.db"));
    assert_eq!(r["settled_there"], 0, "{r}");
    assert_eq!(counts(&r)[3], 1, "{r}");
    let p = a.json(&["show", "RR123456785KZ"]);
    assert_eq!(p["weight_g"], 460.0);
    assert_eq!(p["concealment"], "inside a tea tin", "{p}");
    assert_eq!(p["status"], "controlled-delivery");
    let open = a.json(&["conflicts"]);
    assert!(
        open.as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "open"),
        "{open}"
    );
    let shown = a.ok(&["conflicts", "show", &first_conflict(&a)]);
    assert!(shown.contains("weight_g"), "{shown}");
}

/// A deletion that met an edit, held as a conflict at both posts and
/// settled at one, closes at the other when the settling post's file
/// arrives: the deleter that took the edited record back, or the editor
/// that took the deletion. (Both stayed open, and taking the stale side
/// deleted the record the partner had brought back, or brought back the
/// record the partner had let go, at one post alone.)
#[test]
fn a_deletion_conflict_settled_at_one_post_closes_at_the_other() {
    for (settler, keep) in [
        ("b", "incoming"),
        ("a", "incoming"),
        ("b", "local"),
        ("a", "local"),
    ] {
        let (a, b) = two_posts();
        a.ok(&["edit", "RR123456785KZ", "--set", "weight_g=460"]);
        b.ok(&["delete", "RR123456785KZ"]);
        let (fa, fb) = (export(&a, "a1.db"), export(&b, "b1.db"));
        assert_eq!(counts(&merge(&a, &fb))[3], 1);
        assert_eq!(counts(&merge(&b, &fa))[3], 1);
        let (s, other) = if settler == "a" { (&a, &b) } else { (&b, &a) };
        let said = s.ok(&["conflicts", "resolve", &first_conflict(s), "--keep", keep]);
        // Named by its tracking number, deleted or not (a deletion taken
        // named it "(missing parcel ID)").
        assert!(said.contains("RR123456785KZ"), "{said}");
        let listed = s.ok(&["conflicts", "list", "--all"]);
        assert!(!listed.contains("(missing"), "{listed}");
        let r = merge(other, &export(s, "settled.db"));
        assert_eq!(r["settled_there"], 1, "{settler} kept {keep}: {r}");
        assert!(none_open(other), "{settler} kept {keep}");
        merge(s, &export(other, "back.db"));
        assert_eq!(records(&a), records(&b), "{settler} kept {keep}");
        for nb in [&a, &b] {
            assert!(none_open(nb));
            nb.ok(&["audit", "verify"]);
        }
    }
}

/// A post that holds a's first file, as a third (or fourth) post.
fn third_post(a: &Nb, name: &str) -> Nb {
    let c = Nb::new();
    c.ok(&["init"]);
    merge(&c, &export(a, name));
    c
}

fn settle(nb: &Nb, keep: &str) {
    nb.ok(&["conflicts", "resolve", &first_conflict(nb), "--keep", keep]);
}

/// a and c settle one conflict differently, a first; a's settlement
/// reaches c through b, before c's reaches a. a then meets c's as a
/// conflict, its own value kept (a took c's value without a word: c's
/// settlement, made after a's by the clock but before c had seen it,
/// counted as having seen it).
#[test]
fn a_settlement_relayed_by_a_third_post_is_met_again_where_it_was_not_seen() {
    let (a, b) = two_posts();
    let c = third_post(&a, "first-c.db");
    a.ok(&["edit", "RR123456785KZ", "--set", "weight_g=500"]);
    c.ok(&["edit", "RR123456785KZ", "--set", "weight_g=700"]);
    let (fa, fc) = (export(&a, "a1.db"), export(&c, "c1.db"));
    assert_eq!(counts(&merge(&a, &fc))[3], 1);
    assert_eq!(counts(&merge(&c, &fa))[3], 1);
    settle(&a, "local");
    settle(&c, "local");
    merge(&b, &export(&a, "a2.db"));
    assert_eq!(weight(&b), 500.0);
    assert_eq!(counts(&merge(&c, &export(&b, "b2.db")))[3], 1);
    let r = merge(&a, &export(&c, "c2.db"));
    assert_eq!(counts(&r)[1], 0, "a's settlement overwritten: {r}");
    assert_eq!(counts(&r)[3], 1, "{r}");
    assert_eq!((weight(&a), weight(&c)), (500.0, 700.0));
    let shown = a.ok(&["conflicts", "show", &first_conflict(&a)]);
    let row = shown.lines().find(|l| l.starts_with("weight_g")).unwrap();
    assert!(row.contains("(settled differently)"), "{shown}");
    a.ok(&["audit", "verify"]);
}

/// a and b hold one version, and each meets c's edit as a conflict: a
/// keeps its own value, b takes c's. c, the hub, receives both
/// settlements (in either order) and meets the second as a conflict (the
/// first, taken whole from a file, counted as no settlement at c, and
/// the second was dropped without a word, or taken over the first).
#[test]
fn two_settlements_meeting_at_a_hub_are_a_conflict_there() {
    for order in [["a2.db", "b2.db"], ["b2.db", "a2.db"]] {
        let (a, b) = two_posts();
        let c = third_post(&a, "first-c.db");
        c.ok(&["edit", "RR123456785KZ", "--set", "weight_g=700"]);
        a.ok(&["edit", "RR123456785KZ", "--set", "weight_g=500"]);
        merge(&b, &export(&a, "a1.db"));
        let fc = export(&c, "c1.db");
        assert_eq!(counts(&merge(&a, &fc))[3], 1);
        assert_eq!(counts(&merge(&b, &fc))[3], 1);
        settle(&a, "local");
        settle(&b, "incoming");
        let files = [export(&a, "a2.db"), export(&b, "b2.db")];
        let file = |n: &str| files.iter().find(|f| f.ends_with(n)).unwrap();
        let first = merge(&c, file(order[0]));
        assert_eq!(counts(&first)[1], 1, "{order:?}: {first}");
        let second = merge(&c, file(order[1]));
        assert_eq!(counts(&second)[1], 0, "{order:?}: {second}");
        assert_eq!(counts(&second)[3], 1, "{order:?}: {second}");
        let first_weight = if order[0] == "a2.db" { 500.0 } else { 700.0 };
        assert_eq!(weight(&c), first_weight, "{order:?}");
        let shown = c.ok(&["conflicts", "show", &first_conflict(&c)]);
        let row = shown.lines().find(|l| l.starts_with("weight_g")).unwrap();
        assert!(row.contains("(settled differently)"), "{order:?}: {shown}");
        // And the post whose settlement c did not take meets it too.
        let other = if order[0] == "a2.db" { &b } else { &a };
        let r = merge(other, &export(&c, "c2.db"));
        assert_eq!(counts(&r)[1], 0, "{order:?}: {r}");
        assert_eq!(counts(&r)[3], 1, "{order:?}: {r}");
        c.ok(&["audit", "verify"]);
    }
}

/// Four posts in a ring, a -> b -> c -> d -> a, each editing another
/// field but a and d the weight: b and c merge the fields, d and a each
/// meet the weight as a conflict and keep their own. The next round
/// carries a's settlement to d through b and c: d meets it as a conflict
/// (d kept its own without a word, and a, meeting d's, too: the two
/// never converged and nobody was told).
#[test]
fn settlements_crossing_in_a_ring_are_met_again() {
    let (a, b) = two_posts();
    let c = third_post(&a, "first-c.db");
    let d = third_post(&a, "first-d.db");
    a.ok(&["edit", "RR123456785KZ", "--set", "weight_g=500"]);
    b.ok(&["edit", "RR123456785KZ", "--set", "recipient_name=Sidorov"]);
    c.ok(&["edit", "RR123456785KZ", "--set", "concealment=in a book"]);
    d.ok(&["edit", "RR123456785KZ", "--set", "weight_g=520"]);
    let ring = [(&a, &b), (&b, &c), (&c, &d), (&d, &a)];
    let mut conflicts = Vec::new();
    for round in 1..=2 {
        for (i, (from, to)) in ring.iter().enumerate() {
            let r = merge(to, &export(from, &format!("r{round}-{i}.db")));
            conflicts.push(counts(&r)[3]);
        }
        for nb in [&a, &d] {
            if !none_open(nb) {
                settle(nb, "local");
            }
        }
    }
    // Round 1: d and a meet the weight; round 2: each meets the other's
    // settlement.
    assert_eq!(conflicts, [0, 0, 1, 1, 0, 0, 1, 1]);
    assert_eq!((weight(&a), weight(&d)), (500.0, 520.0));
    for nb in [&a, &b, &c, &d] {
        nb.ok(&["audit", "verify"]);
    }
}

/// A note deleted at a and edited at b: each meets the other as a
/// conflict, a keeps its deletion and b the note. A hub c that holds
/// both settlements (in either order) meets the second as a conflict,
/// and the files of later rounds change nothing: b keeps its note (the
/// hub brought the note back without a word when b's settlement followed
/// a's, and a's next file deleted it everywhere).
#[test]
fn a_deletion_and_a_keep_settled_apart_wait_at_a_hub() {
    for order in [["a2.db", "b2.db"], ["b2.db", "a2.db"]] {
        let (a, b) = two_posts();
        let c = third_post(&a, "first-c.db");
        let note = a.json(&["list", "notes"])[0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        a.ok(&["delete", &note]);
        b.ok(&[
            "edit",
            &note,
            "--set",
            "text=collected at the depot (corrected)",
        ]);
        let (fa, fb) = (export(&a, "a1.db"), export(&b, "b1.db"));
        assert_eq!(counts(&merge(&a, &fb))[3], 1);
        assert_eq!(counts(&merge(&b, &fa))[3], 1);
        settle(&a, "local");
        settle(&b, "local");
        let files = [export(&a, "a2.db"), export(&b, "b2.db")];
        let file = |n: &str| files.iter().find(|f| f.ends_with(n)).unwrap().clone();
        merge(&c, &file(order[0]));
        let second = merge(&c, &file(order[1]));
        assert_eq!(counts(&second)[1], 0, "{order:?}: {second}");
        assert_eq!(second["deleted"], 0, "{order:?}: {second}");
        assert_eq!(counts(&second)[3], 1, "{order:?}: {second}");
        let notes = |nb: &Nb| nb.json(&["list", "notes"]).as_array().unwrap().len();
        let at_hub = notes(&c);
        for round in 3..=4 {
            let (fa, fb) = (
                export(&a, &format!("a{round}.db")),
                export(&b, &format!("b{round}.db")),
            );
            merge(&c, &fa);
            merge(&c, &fb);
            let fc = export(&c, &format!("c{round}.db"));
            merge(&a, &fc);
            merge(&b, &fc);
        }
        assert_eq!(notes(&b), 1, "{order:?}: b's note deleted without a word");
        assert_eq!(notes(&a), 0, "{order:?}");
        assert_eq!(notes(&c), at_hub, "{order:?}: the hub's note changed");
        assert!(!none_open(&c), "{order:?}");
        for nb in [&a, &b, &c] {
            nb.ok(&["audit", "verify"]);
        }
    }
}

/// b keeps its weight over a's; c takes b's settled version whole and
/// passes it on: a, the editor b settled over, takes it without a
/// conflict, as from b's own file (it met it as a conflict: the
/// settlement, held at c, counted as none); and c, meeting a's older
/// file after, changes nothing.
#[test]
fn a_settlement_passed_on_whole_supersedes_the_version_it_settled_over() {
    let (a, b) = two_posts();
    let c = third_post(&a, "first-c.db");
    a.ok(&["edit", "RR123456785KZ", "--set", "weight_g=500"]);
    b.ok(&["edit", "RR123456785KZ", "--set", "weight_g=600"]);
    let fa = export(&a, "a1.db");
    assert_eq!(counts(&merge(&b, &fa))[3], 1);
    settle(&b, "local");
    assert_eq!(counts(&merge(&c, &export(&b, "b1.db")))[1], 1);
    let r = merge(&a, &export(&c, "c1.db"));
    assert_eq!(counts(&r)[1..], [1, counts(&r)[2], 0], "{r}");
    assert_eq!(weight(&a), 600.0);
    let r = merge(&c, &fa);
    assert_eq!((counts(&r)[1], counts(&r)[3]), (0, 0), "{r}");
    for nb in [&a, &b, &c] {
        assert!(none_open(nb));
        nb.ok(&["audit", "verify"]);
    }
}

/// c merges a's weight with its own status field by field; b keeps its
/// own weight over a's. b's file then comes to c: both moved on from a's
/// version, so c takes b's weight with its own status, no conflict (c met
/// the weight, which it never touched, as a conflict shared as the value
/// before both, and b met it again from c's file).
#[test]
fn a_settlement_over_an_edit_merged_here_field_by_field_is_taken() {
    let (a, b) = two_posts();
    let c = third_post(&a, "first-c.db");
    a.ok(&["edit", "RR123456785KZ", "--set", "weight_g=500"]);
    b.ok(&["edit", "RR123456785KZ", "--set", "weight_g=600"]);
    c.ok(&["edit", "RR123456785KZ", "--set", "status=inspected"]);
    let fa = export(&a, "a1.db");
    assert_eq!(counts(&merge(&b, &fa))[3], 1);
    settle(&b, "local");
    let r = merge(&c, &fa);
    assert_eq!((counts(&r)[1], counts(&r)[3]), (1, 0), "{r}");
    let r = merge(&c, &export(&b, "b1.db"));
    assert_eq!((counts(&r)[1], counts(&r)[3]), (1, 0), "{r}");
    let status = |nb: &Nb| nb.json(&["show", "RR123456785KZ"])["status"].clone();
    assert_eq!((weight(&c), status(&c)), (600.0, Value::from("inspected")));
    let r = merge(&b, &export(&c, "c1.db"));
    assert_eq!((counts(&r)[1], counts(&r)[3]), (1, 0), "{r}");
    assert_eq!((weight(&b), status(&b)), (600.0, Value::from("inspected")));
    for nb in [&b, &c] {
        assert!(none_open(nb));
        nb.ok(&["audit", "verify"]);
    }
}

/// a and b edit different fields of a parcel; a post that never held it
/// receives both files, in either order: the two are merged field by
/// field against the version both files' histories share (it was a
/// conflict of the whole record, and either settlement dropped one
/// partner's edit at every post).
#[test]
fn a_record_new_here_edited_apart_by_two_partners_merges_field_by_field() {
    for a_first in [false, true] {
        let (a, b) = two_posts();
        b.ok(&["edit", "RR123456785KZ", "--set", "status=inspected"]);
        a.ok(&["edit", "RR123456785KZ", "--set", "weight_g=777"]);
        let (fa, fb) = (export(&a, "a1.db"), export(&b, "b1.db"));
        let c = Nb::new();
        c.ok(&["init"]);
        let (first, second) = if a_first { (&fa, &fb) } else { (&fb, &fa) };
        merge(&c, first);
        let r = merge(&c, second);
        assert_eq!(
            (counts(&r)[1], counts(&r)[3]),
            (1, 0),
            "a first: {a_first}: {r}"
        );
        let status = c.json(&["show", "RR123456785KZ"])["status"].clone();
        assert_eq!((weight(&c), status), (777.0, Value::from("inspected")));
        c.ok(&["audit", "verify"]);
    }
}
