//! The evidence trail of a seizure as an officer records it on the command
//! line: inspection, exhibits and samples, custody hand-overs (append-only,
//! gaps and broken seals flagged), laboratory results (the only way to
//! lab-confirmed; contradictions flagged), controlled-delivery outcome
//! with arrests, documents by path and SHA-256, and all of it exported,
//! merged and on the case's timeline.

mod common;

use common::Nb;

const P: &str = "RR123456785KZ";

/// A case with one seized parcel holding a presumptive fentanyl finding.
fn seized() -> Nb {
    let nb = Nb::new();
    nb.ok(&["init"]);
    nb.ok(&["add", "case", "--title", "Operation Test"]);
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        P,
        "--origin",
        "CN",
        "--destination",
        "KZ",
        "--case",
        "C-0001",
        "--set",
        "status=seized",
        "--set",
        "seized_on=2026-03-02",
    ]);
    nb.ok(&[
        "add",
        "finding",
        "--parcel",
        P,
        "--substance",
        "fentanyl",
        "--quantity",
        "412",
        "--unit",
        "g",
    ]);
    nb
}

#[test]
fn an_inspection_and_its_exhibit_with_custody_flag_gaps_and_broken_seals() {
    let nb = seized();
    let i = nb.json(&[
        "inspect",
        P,
        "--selection",
        "X-ray",
        "--on",
        "02.03.2026 10:40",
        "--place",
        "Almaty sorting centre",
        "--place-kind",
        "sorting-centre",
        "--officer",
        "Insp. Nurlanov",
        "--actions",
        "opened, x-rayed,field-tested",
        "--kit",
        "NIK U",
        "--result",
        "positive",
        "--indicated",
        "fentanyl",
    ]);
    assert_eq!(i["inspected_on"], "2026-03-02 10:40");
    assert_eq!(i["selection"], "x-ray");
    // Actions in their list's order, each once.
    assert_eq!(i["actions"], "x-rayed,opened,field-tested");
    let bad = nb.fails(&["inspect", P, "--selection", "luck"]);
    assert!(
        bad.contains("selection") && bad.contains("profiling-hit"),
        "{bad}"
    );

    let e = nb.json(&[
        "exhibit",
        "add",
        P,
        "EX-1",
        "--seal",
        "S-001",
        "--gross",
        "0,45 kg",
        "--net",
        "412 g",
        "--description",
        "white powder in foil",
        "--seized-by",
        "Insp. Nurlanov",
    ]);
    assert_eq!(e["gross_g"], 450.0);
    assert_eq!(e["net_g"], 412.0);
    // A sample names the exhibit it was taken from, on the same parcel.
    nb.ok(&[
        "exhibit",
        "add",
        P,
        "EX-1/A",
        "--sample-of",
        "EX-1",
        "--net",
        "2",
    ]);
    let no = nb.fails(&["exhibit", "add", P, "EX-2/A", "--sample-of", "EX-9"]);
    assert!(no.contains("sample_of") && no.contains("EX-9"), "{no}");
    let dup = nb.fails(&["exhibit", "add", P, "EX-1"]);
    assert!(dup.contains("already"), "{dup}");
    let heavy = nb.fails(&["exhibit", "add", P, "EX-3", "--gross", "1", "--net", "2"]);
    assert!(heavy.contains("net_g"), "{heavy}");

    nb.ok(&[
        "custody",
        "add",
        "EX-1",
        "--to",
        "Evidence store",
        "--at",
        "2026-03-02 12:00",
    ]);
    let clean = nb.ok(&["custody", "sheet", "EX-1"]);
    assert!(clean.contains("Flags: none"), "{clean}");
    // Handed over by someone who did not hold it, with the seal cut.
    let out = nb
        .cmd()
        .args([
            "custody",
            "add",
            "EX-1",
            "--from",
            "Sadykova",
            "--to",
            "Central lab",
            "--at",
            "2026-03-03 09:00",
            "--purpose",
            "analysis",
            "--seal-broken",
            "--note",
            "tape cut",
        ])
        .assert()
        .success()
        .get_output()
        .stderr
        .clone();
    let said = String::from_utf8(out).unwrap();
    assert!(
        said.contains("gap") && said.contains("seal broken"),
        "{said}"
    );
    let sheet = nb.ok(&["custody", "sheet", "EX-1"]);
    assert!(sheet.contains("CHAIN OF CUSTODY: exhibit EX-1"), "{sheet}");
    assert!(
        sheet.contains("gap: handed over by Sadykova, but Evidence store held it"),
        "{sheet}"
    );
    assert!(sheet.contains("BROKEN"), "{sheet}");
    let j = nb.json(&["custody", "sheet", "EX-1"]);
    assert_eq!(j["custody"].as_array().unwrap().len(), 3, "{j}");
    assert_eq!(j["custody"][0]["purpose"], "seizure");
    assert_eq!(j["flags"].as_array().unwrap().len(), 2, "{j}");

    // Append-only: an entry is never edited or deleted, nor the exhibit
    // or parcel that holds entries.
    let id = j["custody"][1]["id"].as_str().unwrap().to_string();
    let edit = nb.fails(&["edit", &id, "--set", "to_holder=Someone else"]);
    assert!(edit.contains("never edited"), "{edit}");
    for target in [id.as_str(), "EX-1", P] {
        let del = nb.fails(&["delete", target]);
        assert!(del.contains("never deleted"), "{target}: {del}");
    }
    assert_eq!(nb.count("custody"), 3);
    // The case shows what is flagged in its parcels.
    let case = nb.ok(&["show", "C-0001"]);
    // (The sample EX-1/A, with no hand-over of its own, is a gap too.)
    assert!(
        case.contains("Evidence flagged (3)") && case.contains("EX-1/A, gap: no custody recorded"),
        "{case}"
    );
    let parcel = nb.ok(&["show", P]);
    assert!(
        parcel.contains("inspected 2026-03-02 10:40 (x-ray)"),
        "{parcel}"
    );
}

#[test]
fn a_finding_is_lab_confirmed_only_through_a_result_and_contradictions_are_flagged() {
    let nb = seized();
    let f = format!("{P}:fentanyl");
    let refused = nb.fails(&["edit", &f, "--set", "identification=lab-confirmed"]);
    assert!(refused.contains("laboratory result"), "{refused}");
    let r = nb.json(&[
        "lab",
        "add",
        &f,
        "--lab",
        "Central Forensic Laboratory",
        "--ref",
        "CFL-77",
        "--method",
        "gc-ms, ftir",
        "--purity",
        "12,5 %",
        "--quantity",
        "410",
        "--unit",
        "g",
    ]);
    assert_eq!(r["method"], "GC-MS,FTIR");
    assert_eq!(r["purity"], 12.5);
    let shown = nb.json(&["show", P]);
    assert_eq!(
        shown["findings"][0]["identification"], "lab-confirmed",
        "{shown}"
    );
    assert_eq!(
        shown["findings"][0]["test_ref"],
        "Central Forensic Laboratory CFL-77"
    );
    // A second laboratory found something else: flagged on the parcel and
    // the case, and said when it is recorded.
    let out = nb
        .cmd()
        .args([
            "lab",
            "add",
            P,
            "--lab",
            "Partner lab",
            "--ref",
            "PL-3",
            "--method",
            "LC-MS",
            "--identified",
            "carfentanil",
        ])
        .assert()
        .success()
        .get_output()
        .stderr
        .clone();
    let said = String::from_utf8(out).unwrap();
    assert!(said.contains("contradicts"), "{said}");
    let trail = nb.ok(&["trail", "C-0001"]);
    assert!(
        trail.contains(
            // (Lab-confirmed by CFL-77: it was called presumptive.)
            "contradicts the lab-confirmed identification of Fentanyl: it found Carfentanil"
        ),
        "{trail}"
    );
    let bad = nb.fails(&[
        "lab", "add", P, "--lab", "X", "--ref", "Y", "--method", "GC-MS", "--purity", "120",
    ]);
    assert!(bad.contains("purity"), "{bad}");
    let listed = nb.ok(&["lab", "list", P]);
    assert!(listed.contains("CONTRADICTS THE FINDING"), "{listed}");
    // a header names each column
    assert!(
        listed.starts_with("PARCEL") && listed.lines().next().unwrap().contains("PURITY  REMARK"),
        "{listed}"
    );
}

#[test]
fn a_controlled_delivery_ends_with_arrests_linked_to_the_parcel() {
    let nb = seized();
    nb.ok(&[
        "add",
        "person",
        "--name",
        "Ivan Petrov",
        "--set",
        "nationality=KZ",
    ]);
    let d = nb.json(&[
        "delivery",
        P,
        "--outcome",
        "collected",
        "--on",
        "2026-03-05 18:20",
        "--collected-by",
        "Ivan Petrov",
        "--arrested",
        "Иван Петров",
    ]);
    assert_eq!(d["arrests"], 1.0);
    let links = nb.ok(&["show", "Ivan Petrov"]);
    assert!(links.contains("arrested"), "{links}");
    let bad = nb.fails(&[
        "delivery",
        P,
        "--outcome",
        "not-delivered",
        "--collected-by",
        "X",
    ]);
    assert!(bad.contains("collected_by"), "{bad}");
    let t = nb.json(&["timeline", "C-0001"]);
    let whats = common::strings(&t["events"], "what");
    assert!(whats.contains(&"outcome"), "{whats:?}");
}

#[test]
fn documents_are_checked_against_their_hash_and_travel_with_an_export() {
    let nb = seized();
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("seizure.jpg");
    let report = dir.path().join("report.pdf");
    std::fs::write(&photo, b"not really a jpeg").unwrap();
    std::fs::write(&report, b"%PDF lab report").unwrap();
    let d = nb.json(&["document", "add", P, photo.to_str().unwrap()]);
    assert_eq!(d["doc_kind"], "photo");
    assert_eq!(d["embedded"], "no");
    assert_eq!(d["size_bytes"], 17.0);
    nb.ok(&["exhibit", "add", P, "EX-1", "--seal", "S-1"]);
    let r = nb.json(&[
        "document",
        "add",
        "EX-1",
        report.to_str().unwrap(),
        "--kind",
        "lab-report",
        "--embed",
    ]);
    assert_eq!(r["embedded"], "yes");
    assert!(
        nb.ok(&["document", "check", "C-0001"])
            .contains("2 document(s), 2 intact")
    );
    // The photo is changed, the report removed: both said, and the check fails.
    std::fs::write(&photo, b"edited").unwrap();
    std::fs::remove_file(&report).unwrap();
    let out = nb
        .cmd()
        .args(["document", "check", "C-0001"])
        .assert()
        .failure()
        .get_output()
        .stdout
        .clone();
    let checked = String::from_utf8(out).unwrap();
    assert!(checked.contains("FILE CHANGED"), "{checked}");
    assert!(
        checked.contains("the notebook holds the original"),
        "{checked}"
    );
    // The embedded original comes back whole.
    let back = dir.path().join("back.pdf");
    let id = r["id"].as_str().unwrap();
    nb.ok(&["document", "extract", id, "--out", back.to_str().unwrap()]);
    assert_eq!(std::fs::read(&back).unwrap(), b"%PDF lab report");

    // Inspection, custody and lab result too; the case goes to a colleague.
    nb.ok(&[
        "inspect",
        P,
        "--selection",
        "detector-dog",
        "--on",
        "2026-03-02 10:00",
    ]);
    nb.ok(&[
        "custody",
        "add",
        "EX-1",
        "--to",
        "Store",
        "--from",
        "Insp. A",
        "--purpose",
        "seizure",
    ]);
    nb.ok(&[
        "lab", "add", P, "--lab", "CFL", "--ref", "CFL-1", "--method", "GC-MS",
    ]);
    let file = dir.path().join("case.interdict");
    nb.ok(&[
        "export",
        "--case",
        "C-0001",
        "--out",
        file.to_str().unwrap(),
    ]);
    let b = Nb::new();
    b.ok(&["init"]);
    b.ok(&["keys", "trust", file.to_str().unwrap()]);
    let m = b.json(&["merge", file.to_str().unwrap()]);
    assert_eq!(m["conflicts"], 0, "{m}");
    for t in [
        "inspections",
        "exhibits",
        "custody",
        "lab_results",
        "documents",
        "document_bytes",
    ] {
        assert_eq!(b.count(t), nb.count(t), "{t}");
    }
    let theirs = b.json(&["trail", P]);
    let ours = nb.json(&["trail", P]);
    assert_eq!(theirs["parcels"], ours["parcels"]);
    let finding = b.json(&["show", P]);
    assert_eq!(finding["findings"][0]["identification"], "lab-confirmed");
    // Merging again adds nothing.
    assert_eq!(b.json(&["merge", file.to_str().unwrap()])["written"], false);
}

/// The incident report partners key in: a case's two parcels as one
/// series, with detection, posting and entry, each substance's CAS number,
/// control and group, purity, weights, the shop and the payment ids, the
/// person arrested with nationality, the delivery's outcome and the TLP;
/// as text, JSON and CSV with the same facts.
#[test]
fn an_incident_report_of_a_series_in_text_json_and_csv() {
    let nb = seized();
    nb.ok(&["edit", "C-0001", "--set", "tlp=AMBER+STRICT"]);
    nb.ok(&[
        "edit",
        P,
        "--set",
        "posted_on=2026-02-25",
        "--set",
        "posted_from=Guangzhou EMS",
        "--set",
        "entry_point=Almaty airport, flight CZ6007",
    ]);
    let q = "RR987654326KZ";
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        q,
        "--origin",
        "CN",
        "--destination",
        "KZ",
        "--case",
        "C-0001",
        "--set",
        "status=controlled-delivery",
        "--set",
        "seized_on=2026-03-04",
    ]);
    nb.ok(&[
        "add",
        "finding",
        "--parcel",
        q,
        "--substance",
        "carfentanil",
        "--quantity",
        "3",
        "--unit",
        "g",
    ]);
    nb.ok(&[
        "inspect",
        P,
        "--selection",
        "detector-dog",
        "--on",
        "2026-03-02 10:00",
    ]);
    nb.ok(&[
        "exhibit", "add", P, "EX-1", "--net", "405", "--gross", "450",
    ]);
    nb.ok(&[
        "lab", "add", P, "--lab", "CFL", "--ref", "CFL-9", "--method", "GC-MS", "--purity", "7.5",
    ]);
    nb.ok(&[
        "add",
        "person",
        "--name",
        "Ivan Petrov",
        "--nationality",
        "Kazakhstan",
        "--born",
        "1990-04-01",
    ]);
    nb.ok(&[
        "delivery",
        q,
        "--outcome",
        "collected",
        "--collected-by",
        "Ivan Petrov",
        "--arrested",
        "Ivan Petrov",
    ]);
    nb.ok(&[
        "add",
        "organisation",
        "--name",
        "Mef Shop",
        "--type",
        "shop",
        "--contacts",
        "@mef_shop_bot mefshop.biz",
    ]);
    nb.ok(&["add", "link", "Mef Shop", "C-0001", "--type", "related-to"]);
    nb.ok(&[
        "add",
        "note",
        "--on",
        "C-0001",
        "--text",
        "buyers pay to bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
    ]);
    let args = [
        "export",
        "--incident",
        "C-0001",
        "--amber-strict",
        "--agency",
        "KGD",
        "--country",
        "Казахстан",
        "--focal-point",
        "Insp. Nurlanova",
        "--reference",
        "KZ-2026-0042",
    ];
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let j: serde_json::Value = serde_json::from_str(&nb.ok(&a)).unwrap();
    assert_eq!(j["format"], "interdict-incident/1");
    assert_eq!(j["reporting_country"], "KZ");
    assert_eq!(j["national_reference"], "KZ-2026-0042");
    assert_eq!(j["tlp"], "AMBER+STRICT");
    assert_eq!(j["series"], true);
    assert_eq!(j["incident_type"], "series of 2 parcels");
    let first = &j["parcels"][0];
    assert_eq!(first["detection_method"], "detector-dog");
    assert_eq!(first["posting_date"], "2026-02-25");
    assert_eq!(first["office_of_origin"], "Guangzhou EMS");
    assert_eq!(first["point_of_entry"], "Almaty airport, flight CZ6007");
    assert_eq!(first["net_weight_g"], 405.0);
    let s = &first["substances"][0];
    assert_eq!(s["name"], "Fentanyl");
    assert_eq!(s["cas"], "437-38-7");
    assert_eq!(s["control_status"], "1961 Sch. I");
    assert_eq!(s["effect"], "synthetic-opioid");
    assert_eq!(s["purity_percent"], 7.5);
    assert_eq!(s["identification"], "lab-confirmed");
    assert_eq!(
        j["parcels"][1]["controlled_delivery"]["outcome"],
        "collected"
    );
    assert_eq!(j["persons_arrested"][0]["name"], "Ivan Petrov");
    assert_eq!(j["persons_arrested"][0]["nationality"], "KZ");
    assert_eq!(j["online_vendors"][0]["name"], "Mef Shop");
    assert!(
        j["payment_methods"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == "wallet bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
        "{j}"
    );
    // The CSV: one row per substance, the report's fields on each.
    let mut c = args.to_vec();
    c.extend(["--format", "csv"]);
    let csv_text = nb.ok(&c);
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    let head = r.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), 2, "{csv_text}");
    let col = |row: &csv::StringRecord, name: &str| {
        row[head.iter().position(|h| h == name).unwrap()].to_string()
    };
    assert_eq!(col(&rows[0], "cas"), "437-38-7");
    assert_eq!(col(&rows[0], "purity_percent"), "7.5");
    assert_eq!(col(&rows[1], "substance"), "Carfentanil");
    assert_eq!(col(&rows[1], "controlled_delivery"), "collected");
    assert_eq!(col(&rows[1], "persons_arrested"), "Ivan Petrov (KZ)");
    assert_eq!(col(&rows[1], "tlp"), "AMBER+STRICT");
    // The text says the same.
    let text = nb.ok(&args);
    for part in [
        "TLP:                 TLP:AMBER+STRICT",
        "Reporting country:   KZ (Kazakhstan)",
        "Incident:            series of 2 parcels",
        "Detection method:    detector-dog (inspected 2026-03-02 10:00)",
        "1. Fentanyl: CAS 437-38-7; 1961 Sch. I; group other, fentanyl-analogue, synthetic-opioid; purity 7.5 % (GC-MS, CFL CFL-9)",
        "Controlled delivery: collected, collected by Ivan Petrov, 1 arrested",
        "Persons arrested:    Ivan Petrov (nationality KZ (Kazakhstan), born 1990-04-01), over RR987654326KZ",
    ] {
        assert!(text.contains(part), "{part} not in\n{text}");
    }
    // Without --amber-strict the case is held back, and so is its report.
    let held = nb.fails(&["export", "--incident", "C-0001"]);
    assert!(held.contains("held back"), "{held}");
}

/// A document whose path names a named pipe or `/dev/zero` (a merged
/// record, or a file swapped since) is said to be no regular file and
/// never read: `show`, `trail` and `document check` return at once
/// instead of waiting on the pipe or reading without end.
#[test]
fn a_document_naming_a_pipe_or_a_device_is_not_read() {
    let nb = seized();
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("seizure.jpg");
    let video = dir.path().join("search.mp4");
    std::fs::write(&photo, b"not really a jpeg").unwrap();
    std::fs::write(&video, b"not really a video").unwrap();
    nb.ok(&["document", "add", P, photo.to_str().unwrap()]);
    let d = nb.json(&["document", "add", P, video.to_str().unwrap()]);
    std::fs::remove_file(&photo).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &photo).unwrap();
    std::fs::remove_file(&video).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&video)
        .status()
        .unwrap();
    assert!(made.success());
    // Each command runs with a deadline: one that hangs is killed and fails.
    let within = |args: &[&str]| -> (bool, String) {
        let out = nb
            .cmd()
            .args(args)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        assert!(
            out.status.code().is_some(),
            "interdict {args:?} did not return within a minute"
        );
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.success(), text)
    };
    let doc_id = d["id"].as_str().unwrap();
    for args in [
        &["show", P][..],
        &["show", "C-0001"],
        &["trail", P],
        &["show", doc_id],
    ] {
        let (ok, out) = within(args);
        assert!(ok, "{args:?}: {out}");
        assert!(out.contains("NOT A REGULAR FILE"), "{args:?}: {out}");
    }
    let (ok, out) = within(&["show", P]);
    assert!(
        ok && out.contains("(a named pipe)") && out.contains("(a device)"),
        "{out}"
    );
    let (ok, out) = within(&["document", "check", "C-0001"]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("(a named pipe)") && out.contains("(a device)"),
        "{out}"
    );
    // Nor is one added.
    let (ok, out) = within(&["document", "add", P, video.to_str().unwrap()]);
    assert!(
        !ok && out.contains("not a regular file (a named pipe)"),
        "{out}"
    );
}

/// A parcel with exhibit EX-1 (seal S-001, 412 g) seized by Officer A.
fn with_exhibit() -> Nb {
    let nb = seized();
    nb.ok(&[
        "exhibit",
        "add",
        P,
        "EX-1",
        "--seal",
        "S-001",
        "--net",
        "412",
        "--seized-by",
        "Officer A",
    ]);
    nb
}

fn handover(nb: &Nb, args: &[&str]) -> String {
    let mut all = vec!["custody", "add", "EX-1"];
    all.extend_from_slice(args);
    nb.warns(&all)
}

#[test]
fn custody_keeps_the_order_recorded_and_flags_entries_dated_out_of_order() {
    let nb = with_exhibit();
    handover(&nb, &["--to", "Store", "--at", "2026-03-02 12:00"]);
    let said = handover(
        &nb,
        &[
            "--from",
            "Store",
            "--to",
            "Lab",
            "--at",
            "2026-03-02 11:00",
            "--purpose",
            "analysis",
        ],
    );
    assert!(
        said.contains("dated 2026-03-02 11:00, before the hand-over before it (2026-03-02 12:00)"),
        "{said}"
    );
    let j = nb.json(&["custody", "sheet", "EX-1"]);
    let to: Vec<_> = j["custody"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["to_holder"].as_str().unwrap())
        .collect();
    assert_eq!(to, ["Officer A", "Store", "Lab"], "{j}");
    let flags = j["flags"].to_string();
    assert!(!flags.contains("gap"), "{flags}");
    assert_eq!(j["flags"].as_array().unwrap().len(), 1, "{flags}");
    let trail = nb.ok(&["trail", P]);
    assert!(trail.contains("now with Lab"), "{trail}");
    // Dated before the seizure: flagged, and it stays the last entry.
    let said = handover(&nb, &["--to", "Court", "--at", "2026-03-01 09:00"]);
    assert!(
        said.contains("dated 2026-03-01 09:00, before the seizure (2026-03-02)"),
        "{said}"
    );
    let j = nb.json(&["custody", "sheet", "EX-1"]);
    assert_eq!(j["custody"][3]["to_holder"], "Court", "{j}");
}

#[test]
fn custody_after_destruction_to_the_same_holder_or_in_the_future_is_not_silent() {
    let nb = with_exhibit();
    let said = handover(&nb, &["--to", "Officer A", "--at", "2026-03-02 12:00"]);
    assert!(said.contains("from Officer A to the same holder"), "{said}");
    handover(
        &nb,
        &[
            "--to",
            "Incinerator",
            "--at",
            "2026-03-03 12:00",
            "--purpose",
            "destruction",
        ],
    );
    let said = handover(&nb, &["--to", "Court", "--at", "2026-03-04 12:00"]);
    assert!(
        said.contains("handed over after its destruction (hand-over 3, 2026-03-03 12:00)"),
        "{said}"
    );
    let future = nb.fails(&[
        "custody",
        "add",
        "EX-1",
        "--to",
        "X",
        "--at",
        "2031-01-01 09:00",
    ]);
    assert!(future.contains("in the future"), "{future}");
    assert_eq!(nb.count("custody"), 4);
    let sheet = nb.ok(&["custody", "sheet", "EX-1"]);
    assert!(!sheet.contains("Flags: none"), "{sheet}");
}

#[test]
fn an_exhibit_changed_after_custody_began_is_flagged_truthfully() {
    let nb = with_exhibit();
    nb.ok(&["edit", "EX-1", "--set", "net_g=300"]);
    nb.ok(&["edit", "EX-1", "--set", "seal=S-777"]);
    nb.ok(&["edit", "EX-1", "--set", "number=EX-1b"]);
    let sheet = nb.ok(&["custody", "sheet", "EX-1b"]);
    assert!(
        sheet.contains("net weight changed from 412 g to 300 g after custody began"),
        "{sheet}"
    );
    assert!(
        sheet.contains("seal number changed from S-001 to S-777 after custody began"),
        "{sheet}"
    );
    assert!(
        sheet.contains("exhibit number changed from EX-1 to EX-1b after custody began"),
        "{sheet}"
    );
    assert!(!sheet.contains("outside an analysis"), "{sheet}");
    // Before custody began, an edit is a correction and is not flagged.
    nb.ok(&["exhibit", "add", P, "EX-2", "--net", "5"]);
    nb.ok(&["edit", "EX-2", "--set", "net_g=6"]);
    nb.ok(&[
        "custody",
        "add",
        "EX-2",
        "--to",
        "Store",
        "--at",
        "2026-03-02 12:00",
    ]);
    // (Its log, opening with no seizure entry, is flagged for that.)
    let sheet = nb.ok(&["custody", "sheet", "EX-2"]);
    assert!(!sheet.contains("changed from"), "{sheet}");
}

#[test]
fn a_colour_test_alone_does_not_confirm_and_a_result_cannot_contradict_itself() {
    let nb = seized();
    let f = format!("{P}:fentanyl");
    let lab = |more: &[&str]| {
        let mut a = vec!["lab", "add", f.as_str(), "--lab", "CFL", "--ref", "CFL-1"];
        a.extend_from_slice(more);
        a.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let run = |more: &[&str]| {
        let a = lab(more);
        nb.fails(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let colour = run(&["--method", "colour-test"]);
    assert!(colour.contains("SWGDRUG"), "{colour}");
    let one = run(&["--method", "FTIR"]);
    assert!(one.contains("SWGDRUG"), "{one}");
    let own = run(&[
        "--method",
        "GC-MS",
        "--outcome",
        "other-substance",
        "--identified",
        "fentanyl",
    ]);
    assert!(own.contains("own substance"), "{own}");
    // Its CAS number or a synonym is its own substance too.
    for named in ["437-38-7", "China white"] {
        let own = run(&[
            "--method",
            "GC-MS",
            "--outcome",
            "other-substance",
            "--identified",
            named,
        ]);
        assert!(own.contains("own substance"), "{named}: {own}");
    }
    let none = run(&[
        "--method",
        "GC-MS",
        "--outcome",
        "not-detected",
        "--identified",
        "heroin",
    ]);
    assert!(none.contains("not-detected"), "{none}");
    let future = run(&["--method", "GC-MS", "--on", "2031-01-01"]);
    assert!(future.contains("in the future"), "{future}");
    assert_eq!(nb.count("lab_results"), 0);
    let shown = nb.json(&["show", P]);
    assert_eq!(shown["findings"][0]["identification"], "presumptive");
    // Before the seizure (2026-03-02): recorded, flagged.
    let out = nb
        .cmd()
        .args([
            "lab",
            "add",
            &f,
            "--lab",
            "CFL",
            "--ref",
            "CFL-2",
            "--method",
            "FTIR,colour-test",
            "--on",
            "2026-03-01",
        ])
        .assert()
        .success()
        .get_output()
        .stderr
        .clone();
    let said = String::from_utf8(out).unwrap();
    assert!(said.contains("before the seizure (2026-03-02)"), "{said}");
    assert!(
        nb.ok(&["trail", P])
            .contains("! lab CFL CFL-2 is dated 2026-03-01, before the seizure")
    );
    let shown = nb.json(&["show", P]);
    assert_eq!(shown["findings"][0]["identification"], "lab-confirmed");
    // Nor can an edit make a result that found another substance name
    // the finding's own, by any of its names (an edit compared the name
    // alone, and the report said a result that found fentanyl
    // contradicted fentanyl).
    let other = nb.json(&[
        "lab",
        "add",
        &f,
        "--lab",
        "CFL",
        "--ref",
        "CFL-3",
        "--method",
        "GC-MS,FTIR",
        "--outcome",
        "other-substance",
        "--identified",
        "carfentanil",
    ]);
    let id = other["id"].as_str().unwrap();
    for named in ["фентанил", "China white", "437-38-7", "FENTANYL"] {
        let err = nb.fails(&["edit", id, "--set", &format!("identified={named}")]);
        assert!(err.contains("own substance"), "{named}: {err}");
    }
}

/// While a result confirms a finding, an edit keeps it lab-confirmed and
/// its test reference naming a confirming result (a forged reference and
/// `presumptive` were taken, and the report cited one result's figures
/// under another's name, the trail with no flag); the result deleted, it
/// is presumptive again and free to edit.
#[test]
fn a_lab_confirmed_findings_edits_stay_in_line_with_its_results() {
    let nb = seized();
    let f = format!("{P}:fentanyl");
    nb.ok(&[
        "lab",
        "add",
        &f,
        "--lab",
        "CFL",
        "--ref",
        "R1",
        "--method",
        "GC-MS,FTIR",
    ]);
    let err = nb.fails(&["edit", &f, "--set", "test_ref=CFL R999 (forged)"]);
    assert!(err.contains("test_ref") && err.contains("CFL R1"), "{err}");
    let err = nb.fails(&["edit", &f, "--set", "identification=presumptive"]);
    assert!(
        err.contains("identification") && err.contains("CFL R1 confirms it"),
        "{err}"
    );
    let shown = nb.json(&["show", P]);
    assert_eq!(shown["findings"][0]["identification"], "lab-confirmed");
    assert_eq!(shown["findings"][0]["test_ref"], "CFL R1");
    // A second confirming result may be named instead.
    nb.ok(&[
        "lab",
        "add",
        &f,
        "--lab",
        "NFL",
        "--ref",
        "N7",
        "--method",
        "LC-MS,FTIR",
    ]);
    nb.ok(&["edit", &f, "--set", "test_ref=NFL N7"]);
    // Other fields edit as ever.
    nb.ok(&["edit", &f, "--set", "quantity=400"]);
}

/// A result that says confirmed confirms only by methods that can
/// identify under SWGDRUG, however it came to say so: an edit of its
/// methods to a colour test alone is refused, and a stored one (written
/// out of band, or by a release before the rule) makes no finding
/// lab-confirmed.
#[test]
fn a_confirming_result_edited_to_a_colour_test_is_refused_and_one_stored_confirms_nothing() {
    let nb = seized();
    let f = format!("{P}:fentanyl");
    let r = nb.json(&[
        "lab",
        "add",
        &f,
        "--lab",
        "CFL",
        "--ref",
        "CFL-9",
        "--method",
        "GC-MS,FTIR",
    ]);
    let id = r["id"].as_str().unwrap().to_string();
    let shown = nb.json(&["show", P]);
    assert_eq!(shown["findings"][0]["identification"], "lab-confirmed");
    let refused = nb.fails(&["edit", &id, "--set", "method=colour-test"]);
    assert!(
        refused.contains("method") && refused.contains("SWGDRUG"),
        "{refused}"
    );
    // Stored that way behind interdict's back: the finding, made
    // presumptive (while the result confirmed it, it stayed
    // lab-confirmed), cannot be made lab-confirmed again on it.
    rusqlite::Connection::open(&nb.db)
        .unwrap()
        .execute("UPDATE lab_results SET method = 'colour-test'", [])
        .unwrap();
    nb.ok(&["edit", &f, "--set", "identification=presumptive"]);
    let refused = nb.fails(&["edit", &f, "--set", "identification=lab-confirmed"]);
    assert!(refused.contains("laboratory result"), "{refused}");
}

/// A finding is lab-confirmed only while a result confirms it: a result
/// edited out of `confirmed`, or deleted, leaves it presumptive; and what
/// `lab add` refuses of a result (naming the finding's own substance as
/// another, another as confirmed, a substance as not detected, a date to
/// come) an edit cannot make of one.
#[test]
fn a_finding_follows_its_results_and_an_edit_cannot_make_a_result_lab_add_refuses() {
    let nb = seized();
    let f = format!("{P}:fentanyl");
    let identification = || nb.json(&["show", P])["findings"][0]["identification"].clone();
    let add = |r: &str, more: &[&str]| {
        let mut a = vec!["lab", "add", f.as_str(), "--lab", "CFL", "--ref", r];
        a.extend_from_slice(more);
        nb.json(&a)["id"].as_str().unwrap().to_string()
    };
    let one = add("CFL-1", &["--method", "GC-MS,FTIR"]);
    assert_eq!(identification(), "lab-confirmed");
    nb.ok(&["edit", &one, "--set", "outcome=not-detected"]);
    assert_eq!(
        identification(),
        "presumptive",
        "its only result no longer confirms it"
    );
    // Edited back to confirmed, it confirms the finding again, and is
    // its test reference (it stayed presumptive while the report cited
    // the result's purity).
    nb.ok(&["edit", &one, "--set", "outcome=confirmed"]);
    assert_eq!(identification(), "lab-confirmed");
    assert_eq!(
        nb.json(&["show", P])["findings"][0]["test_ref"],
        "CFL CFL-1"
    );
    nb.ok(&["delete", &one]);
    assert_eq!(identification(), "presumptive");
    let two = add("CFL-2", &["--method", "GC-MS,FTIR"]);
    assert_eq!(identification(), "lab-confirmed");
    nb.ok(&["delete", &two]);
    assert_eq!(
        identification(),
        "presumptive",
        "its confirming result deleted"
    );
    let other = add(
        "CFL-3",
        &[
            "--method",
            "GC-MS",
            "--outcome",
            "other-substance",
            "--identified",
            "heroin",
        ],
    );
    for (set, says) in [
        ("identified=fentanyl", "own substance"),
        ("analysed_on=2099-01-01", "in the future"),
        ("outcome=confirmed", "not confirmed"),
        ("outcome=not-detected", "not-detected"),
    ] {
        let refused = nb.fails(&["edit", &other, "--set", set]);
        assert!(refused.contains(says), "{set}: {refused}");
    }
}

#[test]
fn a_sample_cannot_weigh_more_than_its_exhibit() {
    let nb = with_exhibit();
    let heavy = nb.fails(&[
        "exhibit",
        "add",
        P,
        "S-1",
        "--sample-of",
        "EX-1",
        "--net",
        "900",
    ]);
    assert!(
        heavy.contains("net_g") && heavy.contains("weighs more than exhibit EX-1"),
        "{heavy}"
    );
    nb.ok(&[
        "exhibit",
        "add",
        P,
        "S-1",
        "--sample-of",
        "EX-1",
        "--net",
        "2",
    ]);
    // Edited either way, it is refused as added: the sample heavier, or
    // the exhibit lighter than its sample.
    let heavy = nb.fails(&["edit", "S-1", "--set", "net_g=500"]);
    assert!(
        heavy.contains("net_g") && heavy.contains("weighs more than exhibit EX-1"),
        "{heavy}"
    );
    let light = nb.fails(&["edit", "EX-1", "--set", "net_g=1"]);
    assert!(
        light.contains("net_g") && light.contains("less than its sample S-1 weighs (2 g)"),
        "{light}"
    );
    // One stored so out of band is still flagged.
    let c = rusqlite::Connection::open(&nb.db).unwrap();
    c.execute("UPDATE exhibits SET net_g = 1 WHERE number = 'EX-1'", [])
        .unwrap();
    let trail = nb.ok(&["trail", P]);
    assert!(
        trail.contains("sample of 2 g is heavier than exhibit EX-1 it was taken from (1 g)"),
        "{trail}"
    );
}

#[test]
fn a_changed_or_missing_document_is_a_flag_of_the_trail() {
    let nb = seized();
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("seizure.jpg");
    std::fs::write(&photo, b"the parcel as opened").unwrap();
    nb.ok(&["document", "add", P, photo.to_str().unwrap()]);
    assert!(nb.ok(&["trail", P]).contains("1 parcel(s), 0 flag(s)"));
    std::fs::write(&photo, b"edited").unwrap();
    let trail = nb.ok(&["trail", P]);
    assert!(
        trail.contains("! document ") && trail.contains("FILE CHANGED"),
        "{trail}"
    );
    assert!(trail.contains("1 parcel(s), 1 flag(s)"), "{trail}");
    let j = nb.json(&["trail", P]);
    assert_eq!(
        j["parcels"][0]["file_flags"].as_array().unwrap().len(),
        1,
        "{j}"
    );
    std::fs::remove_file(&photo).unwrap();
    let trail = nb.ok(&["trail", P]);
    assert!(
        trail.contains("FILE MISSING") && trail.contains("1 flag(s)"),
        "{trail}"
    );
}

#[test]
fn exhibit_numbers_are_one_per_notebook_whatever_their_case() {
    let nb = with_exhibit();
    let dup = nb.fails(&["exhibit", "add", P, "ex-1"]);
    assert!(dup.contains("already") && dup.contains("EX-1"), "{dup}");
    let sheet = nb.ok(&["custody", "sheet", "Ex-1"]);
    assert!(sheet.contains("CHAIN OF CUSTODY: exhibit EX-1"), "{sheet}");
    nb.ok(&[
        "custody",
        "add",
        "ex-1",
        "--to",
        "Store",
        "--at",
        "2026-03-02 12:00",
    ]);
    let s = nb.ok(&[
        "exhibit",
        "add",
        P,
        "ex-1/a",
        "--sample-of",
        "ex-1",
        "--net",
        "1",
    ]);
    assert!(s.contains("ex-1/a"), "{s}");
    assert_eq!(nb.count("exhibits"), 2);
}

/// The incident report names the result the finding names as its test
/// reference, and says which results contradict it.
#[test]
fn an_incident_report_names_the_confirming_result_and_the_contradicting_ones() {
    let nb = seized();
    let f = format!("{P}:fentanyl");
    for (r, m, more) in [
        ("CFL-2", "GC-MS", vec!["--purity", "10"]),
        ("CFL-4", "GC-MS,FTIR", vec!["--purity", "12"]),
        ("CFL-6", "GC-MS", vec!["--outcome", "not-detected"]),
    ] {
        let mut a = vec![
            "lab",
            "add",
            f.as_str(),
            "--lab",
            "CFL",
            "--ref",
            r,
            "--method",
            m,
        ];
        a.extend(more);
        nb.ok(&a);
    }
    let shown = nb.json(&["show", P]);
    assert_eq!(shown["findings"][0]["test_ref"], "CFL CFL-2");
    let args = ["export", "--incident", "C-0001", "--country", "KZ"];
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let j: serde_json::Value = serde_json::from_str(&nb.ok(&a)).unwrap();
    let s = &j["parcels"][0]["substances"][0];
    assert_eq!(s["lab_reference"], "CFL-2", "{s}");
    assert_eq!(s["purity_percent"], 10.0, "{s}");
    assert_eq!(
        s["lab_contradicted_by"][0], "CFL CFL-6: not-detected",
        "{s}"
    );
    let mut c = args.to_vec();
    c.extend(["--format", "csv"]);
    let csv_text = nb.ok(&c);
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    let head = r.headers().unwrap().clone();
    let row = r.records().next().unwrap().unwrap();
    let col = |name: &str| row[head.iter().position(|h| h == name).unwrap()].to_string();
    assert_eq!(col("lab_reference"), "CFL-2");
    assert_eq!(col("lab_contradicted_by"), "CFL CFL-6: not-detected");
    let text = nb.ok(&args);
    assert!(
        text.contains("test ref CFL CFL-2") && text.contains("(GC-MS, CFL CFL-2)"),
        "{text}"
    );
    assert!(
        text.contains("CONTRADICTED by CFL CFL-6: not-detected"),
        "the contradicting result is in the text too: {text}"
    );
}

/// A result that found another substance is said beside the finding,
/// never given as its figures: its purity, laboratory and method were
/// the finding's in every form of the report.
#[test]
fn an_incident_report_never_gives_a_contradicting_results_figures_as_the_findings() {
    let nb = seized();
    let f = format!("{P}:fentanyl");
    nb.ok(&[
        "lab",
        "add",
        &f,
        "--lab",
        "CFL",
        "--ref",
        "CFL-90",
        "--method",
        "GC-MS,FTIR",
        "--outcome",
        "other-substance",
        "--identified",
        "carfentanil",
        "--purity",
        "3",
    ]);
    let args = ["export", "--incident", "C-0001", "--country", "KZ"];
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let j: serde_json::Value = serde_json::from_str(&nb.ok(&a)).unwrap();
    let s = &j["parcels"][0]["substances"][0];
    assert_eq!(s["name"], "Fentanyl", "{s}");
    assert!(s["purity_percent"].is_null(), "{s}");
    assert!(
        s["laboratory"].is_null() && s["lab_reference"].is_null(),
        "{s}"
    );
    assert!(s["lab_method"].is_null(), "{s}");
    assert!(
        s["lab_contradicted_by"][0]
            .as_str()
            .is_some_and(|c| c.contains("CFL-90") && c.contains("Carfentanil")),
        "{s}"
    );
    let text = nb.ok(&args);
    assert!(!text.contains("purity 3"), "{text}");
    assert!(text.contains("CONTRADICTED by CFL CFL-90"), "{text}");
}

/// Hand-overs of one day stand in the case's timeline in the order of
/// their times (they stood in the order of their text: here the second,
/// `Alpha store -> Zulu lab`, before the first), each with its time.
#[test]
fn a_timeline_runs_the_hand_overs_of_a_day_in_time_order() {
    let nb = with_exhibit();
    handover(
        &nb,
        &[
            "--from",
            "Officer A",
            "--to",
            "Alpha store",
            "--at",
            "2026-03-02 11:00",
        ],
    );
    handover(
        &nb,
        &[
            "--from",
            "Alpha store",
            "--to",
            "Zulu lab",
            "--at",
            "2026-03-02 12:00",
        ],
    );
    let t = nb.json(&["timeline", "C-0001"]);
    let custody: Vec<&serde_json::Value> = t["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["what"] == "custody" && e["date"] == "2026-03-02")
        .collect();
    let texts: Vec<&str> = custody
        .iter()
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    let to_store = texts.iter().position(|t| t.contains("-> Alpha store"));
    let to_lab = texts.iter().position(|t| t.contains("-> Zulu lab"));
    assert!(to_store.is_some() && to_store < to_lab, "{texts:#?}");
    assert!(
        custody
            .iter()
            .all(|e| e["at"].as_str().unwrap().starts_with("2026-03-02")),
        "{custody:#?}"
    );
}

/// What `exhibit add` holds a sample to (an exhibit of the same parcel)
/// an edit holds it to as well, and a sample is never made one of its own
/// samples (a cycle was accepted without a flag).
#[test]
fn a_sample_is_never_taken_from_its_own_sample() {
    let nb = seized();
    for (n, extra) in [
        ("EX-A", vec!["--net", "100"]),
        ("EX-A1", vec!["--sample-of", "EX-A", "--net", "10"]),
        ("EX-A2", vec!["--sample-of", "EX-A1", "--net", "5"]),
    ] {
        let mut args = vec!["exhibit", "add", P, n];
        args.extend(extra);
        nb.ok(&args);
    }
    let err = nb.fails(&["edit", "EX-A1", "--set", "sample_of=EX-A2"]);
    assert!(
        err.contains("sample_of") && err.contains("its own sample"),
        "{err}"
    );
    let err = nb.fails(&[
        "edit",
        "EX-A",
        "--set",
        "exhibit_kind=sample",
        "--set",
        "sample_of=EX-A2",
    ]);
    assert!(err.contains("its own sample"), "{err}");
    let err = nb.fails(&["edit", "EX-A2", "--set", "sample_of=NOPE"]);
    assert!(err.contains("no exhibit NOPE"), "{err}");
    // Taken from the first item instead: accepted.
    nb.ok(&["edit", "EX-A2", "--set", "sample_of=EX-A"]);
}

/// The parcel's seizure moved later after its exhibit was logged: the
/// hand-overs now dated before it are flagged (they were compared with the
/// exhibit's own seizure entry only, and the sheet said "Flags: none"),
/// and so is the seizure entry itself. A time given with a zone is
/// refused rather than filed as another moment.
#[test]
fn a_seizure_moved_later_flags_the_hand_overs_before_it() {
    let nb = seized();
    nb.ok(&[
        "exhibit",
        "add",
        P,
        "EX-1",
        "--net",
        "412",
        "--seized-by",
        "Insp. A",
    ]);
    handover(&nb, &["--to", "Store", "--at", "2026-03-03 12:00"]);
    let sheet = nb.json(&["custody", "sheet", "EX-1"]);
    assert_eq!(sheet["flags"].as_array().unwrap().len(), 0, "{sheet}");
    nb.ok(&["edit", P, "--set", "seized_on=2026-03-10"]);
    let sheet = nb.json(&["custody", "sheet", "EX-1"]);
    let flags = sheet["flags"].to_string();
    assert!(
        flags.contains("the seizure entry is dated 2026-03-02, before the parcel's seizure")
            && flags.contains("dated 2026-03-03 12:00, before the seizure (2026-03-10)"),
        "{flags}"
    );
    let said = handover(
        &nb,
        &["--from", "Store", "--to", "Lab", "--at", "2026-03-04 12:00"],
    );
    assert!(said.contains("before the seizure (2026-03-10)"), "{said}");
    let text = nb.ok(&["custody", "sheet", "EX-1"]);
    assert!(!text.contains("Flags: none"), "{text}");
    // (And the seizure date's own change, since 2026-12-07.)
    assert!(
        text.contains("the parcel's seizure date changed from 2026-03-02 to 2026-03-10"),
        "{text}"
    );
    assert!(nb.ok(&["trail", P]).contains("4 flag(s)"));
    // An inspection on the first day no longer stands for a seizure
    // recorded later.
    nb.ok(&[
        "inspect",
        P,
        "--on",
        "2026-03-02 10:40",
        "--selection",
        "X-ray",
    ]);
    let flags = nb.json(&["custody", "sheet", "EX-1"])["flags"].to_string();
    assert!(flags.contains("before the seizure (2026-03-10)"), "{flags}");
    // A zone would be dropped: refused, naming the field.
    let err = nb.fails(&[
        "custody",
        "add",
        "EX-1",
        "--to",
        "Court",
        "--at",
        "2026-03-11T08:00+06:00",
    ]);
    assert!(
        err.contains("handed_at") && err.contains("time zone"),
        "{err}"
    );
}

/// Samples that together weigh more than the exhibit they were taken
/// from are flagged on it (each was only weighed against it alone).
#[test]
fn samples_weighing_more_than_their_exhibit_together_are_flagged() {
    let nb = seized();
    nb.ok(&[
        "exhibit",
        "add",
        P,
        "EX-1",
        "--net",
        "100",
        "--seized-by",
        "Insp A",
    ]);
    nb.ok(&[
        "exhibit",
        "add",
        P,
        "S-1",
        "--sample-of",
        "EX-1",
        "--net",
        "60",
    ]);
    let flags = nb.json(&["custody", "sheet", "EX-1"])["flags"].to_string();
    assert!(!flags.contains("samples weigh"), "{flags}");
    nb.ok(&[
        "exhibit",
        "add",
        P,
        "S-2",
        "--sample-of",
        "EX-1",
        "--net",
        "60",
    ]);
    let flags = nb.json(&["custody", "sheet", "EX-1"])["flags"].to_string();
    assert!(
        flags.contains("its 2 samples weigh 120 g together, more than its own 100 g"),
        "{flags}"
    );
    assert!(nb.ok(&["trail", P]).contains("samples weigh 120 g"));
}

/// A text that names a substance (A2, a street name of BZP) and an
/// exhibit numbered A2 names neither alone: `edit A2` edited the
/// substance. Each is still named where only its kind fits.
#[test]
fn a_text_naming_a_substance_and_an_exhibit_is_ambiguous() {
    let nb = seized();
    nb.ok(&["exhibit", "add", P, "A2", "--net", "5"]);
    let err = nb.fails(&["edit", "A2", "--set", "description=white powder"]);
    assert!(
        err.contains("names substance")
            && err.contains(" and exhibit A2 (")
            && !err.contains("exhibit exhibit")
            && err.contains("by its id"),
        "{err}"
    );
    let bzp = nb.json(&["show", "BZP"]);
    assert!(bzp["description"].is_null(), "nothing edited: {bzp}");
    // Where only one kind fits, that one.
    nb.ok(&[
        "custody",
        "add",
        "A2",
        "--to",
        "Store",
        "--at",
        "2026-03-03 10:00",
    ]);
    nb.ok(&["add", "finding", "--parcel", P, "--substance", "A2"]);
    let shown = nb.ok(&["show", P]);
    assert!(
        shown.contains("BZP") || shown.contains("Benzylpiperazine"),
        "{shown}"
    );
}

/// A parcel whose controlled delivery is recorded is reported as a
/// seizure followed by one, whatever its status (it said "seizure"), and
/// the arrests are a count (2, not 2.0).
#[test]
fn an_incident_report_says_a_recorded_delivery_and_counts_arrests() {
    let nb = Nb::new();
    nb.ok(&["add", "case", "--title", "Op", "--tlp", "GREEN"]);
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--status",
        "seized",
        "--seized-on",
        "2026-11-01",
        "--case",
        "C-0001",
    ]);
    nb.ok(&[
        "delivery",
        "RR123456785KZ",
        "--outcome",
        "collected",
        "--on",
        "2026-11-03",
        "--collected-by",
        "the recipient",
        "--arrests",
        "2",
    ]);
    let out = nb.ok(&["--format", "json", "export", "--incident", "RR123456785KZ"]);
    assert!(
        out.contains("\"incident_type\": \"seizure, followed by a controlled delivery\""),
        "{out}"
    );
    assert!(
        out.contains("\"arrests\": 2,") || out.contains("\"arrests\": 2\n"),
        "{out}"
    );
    let csv = nb.ok(&["--format", "csv", "export", "--incident", "RR123456785KZ"]);
    assert!(!csv.contains("2.0"), "{csv}");
}

/// A document's fingerprint is how a changed file is noticed: an edit of
/// its SHA-256 (to the doctored file's) is refused, and the file is still
/// said to have changed.
#[test]
fn a_documents_fingerprint_is_never_edited() {
    let nb = with_exhibit();
    let photo = nb.beside("ex1.jpg");
    std::fs::write(&photo, "original photo").unwrap();
    nb.ok(&["document", "add", "EX-1", photo.to_str().unwrap()]);
    let id = nb.json(&["document", "check"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::write(&photo, "doctored photo").unwrap();
    let doctored = format!(
        "sha256={}",
        "a".repeat(64) // any other well-formed hash
    );
    for set in [doctored.as_str(), "size_bytes=15", "embedded=yes"] {
        let refused = nb.fails(&["edit", &id, "--set", set]);
        assert!(
            refused.contains("fingerprint") && refused.contains("never edited"),
            "{set}: {refused}"
        );
    }
    // Its description may change.
    nb.ok(&["edit", &id, "--set", "description=front of the bag"]);
    let trail = nb.ok(&["trail", P]);
    assert!(trail.contains("FILE CHANGED"), "{trail}");
}

/// A log that opens with a hand-over rather than the seizure leaves who
/// held the exhibit from the seizure unrecorded: flagged on the sheet and
/// the trail.
#[test]
fn a_custody_log_that_does_not_open_with_the_seizure_is_a_gap() {
    let nb = seized();
    nb.ok(&["exhibit", "add", P, "EX-1", "--seal", "S-1", "--net", "412"]);
    let said = handover(
        &nb,
        &[
            "--to",
            "Central Forensic Laboratory",
            "--at",
            "2026-03-20 09:00",
            "--purpose",
            "analysis",
        ],
    );
    assert!(said.contains("not with the seizure"), "{said}");
    let sheet = nb.ok(&["custody", "sheet", "EX-1"]);
    assert!(
        sheet.contains("gap: the log opens with a hand-over to Central Forensic Laboratory on 2026-03-20 09:00, not with the seizure: who held it from the seizure (2026-03-02) is not recorded"),
        "{sheet}"
    );
    assert!(nb.ok(&["trail", P]).contains("1 flag(s)"));
}

/// The printable sheet cuts no holder's name without giving it whole, and
/// carries each hand-over's remarks.
#[test]
fn the_custody_sheet_gives_whole_names_and_remarks() {
    let nb = with_exhibit();
    handover(
        &nb,
        &[
            "--to",
            "Central Forensic Laboratory Almaty",
            "--at",
            "2026-03-03 09:00",
            "--note",
            "carried by Sgt. Bekov, bag 4 of 4",
        ],
    );
    handover(
        &nb,
        &[
            "--to",
            "Central Forensic Laboratory Astana",
            "--at",
            "2026-03-04 09:00",
        ],
    );
    let sheet = nb.ok(&["custody", "sheet", "EX-1"]);
    for line in [
        "    to: Central Forensic Laboratory Almaty",
        "    note: carried by Sgt. Bekov, bag 4 of 4",
        "    from: Central Forensic Laboratory Almaty",
        "    to: Central Forensic Laboratory Astana",
    ] {
        assert!(sheet.lines().any(|l| l == line), "{line:?}: {sheet}");
    }
    assert!(sheet.lines().all(|l| l.chars().count() <= 100), "{sheet}");
}

/// Local times are the place's, and the machine's clock is not the
/// place's: a time that is now somewhere on Earth is accepted, one later
/// than now everywhere is refused; an inspection and a delivery outcome
/// dated in the future are refused like a hand-over.
#[test]
fn times_in_the_future_are_those_later_than_now_everywhere() {
    let nb = with_exhibit();
    let at = |hours: i64| {
        (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(hours))
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .strftime("%Y-%m-%d %H:%M")
            .to_string()
    };
    // Almaty's evening on a server kept in UTC: UTC+5 or +6.
    handover(&nb, &["--to", "Evidence store", "--at", &at(6)]);
    let refused = nb.fails(&["custody", "add", "EX-1", "--to", "Court", "--at", &at(17)]);
    assert!(refused.contains("is in the future"), "{refused}");
    let refused = nb.fails(&[
        "inspect",
        P,
        "--selection",
        "x-ray",
        "--on",
        "2062-03-02 11:30",
    ]);
    assert!(
        refused.contains("inspected_on") && refused.contains("is in the future"),
        "{refused}"
    );
    let refused = nb.fails(&[
        "delivery",
        P,
        "--outcome",
        "abandoned",
        "--on",
        "2062-03-07 10:00",
    ]);
    assert!(
        refused.contains("delivered_on") && refused.contains("is in the future"),
        "{refused}"
    );
}

/// A delivery ends one way, after the seizure; the number arrested is at
/// least those named.
#[test]
fn contradictory_delivery_outcomes_are_flagged_and_arrests_counted_truthfully() {
    let nb = seized();
    nb.ok(&["add", "person", "--name", "Ivan Petrov"]);
    nb.ok(&["add", "person", "--name", "Olga Sidorova"]);
    let refused = nb.fails(&[
        "delivery",
        P,
        "--outcome",
        "collected",
        "--on",
        "2026-03-05 10:00",
        "--arrests",
        "1",
        "--arrested",
        "Ivan Petrov",
        "--arrested",
        "Olga Sidorova",
    ]);
    assert!(
        refused.contains("arrests") && refused.contains("2 people are named"),
        "{refused}"
    );
    nb.ok(&[
        "delivery",
        P,
        "--outcome",
        "collected",
        "--on",
        "2026-02-20 10:00",
    ]);
    nb.ok(&[
        "delivery",
        P,
        "--outcome",
        "abandoned",
        "--on",
        "2026-03-07 10:00",
    ]);
    let trail = nb.ok(&["trail", P]);
    assert!(
        trail.contains("2 controlled-delivery outcomes are recorded")
            && trail.contains("dated 2026-02-20 10:00, before the parcel's seizure (2026-03-02)")
            && trail.contains("2 flag(s)"),
        "{trail}"
    );
}

/// The finding's test reference follows its results: a cited result that
/// is corrected to contradict it, or deleted, is no longer cited by the
/// incident report; and "presumptive" claims no field test.
#[test]
fn a_report_never_cites_a_result_that_no_longer_confirms() {
    let nb = seized();
    for r in ["CFL-1", "CFL-2"] {
        nb.ok(&[
            "lab",
            "add",
            P,
            "--lab",
            "CFL",
            "--ref",
            r,
            "--method",
            "GC-MS,FTIR",
        ]);
    }
    let id = nb
        .json(&["lab", "list", P])
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["result"]["reference"] == "CFL-1")
        .unwrap()["result"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    nb.ok(&[
        "edit",
        &id,
        "--set",
        "outcome=other-substance",
        "--set",
        "identified=carfentanil",
    ]);
    let report = nb.ok(&["export", "--incident", P]);
    assert!(
        report.contains("lab-confirmed, test ref CFL CFL-2")
            && !report.contains("test ref CFL CFL-1"),
        "{report}"
    );
    let id2 = nb
        .json(&["lab", "list", P])
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["result"]["reference"] == "CFL-2")
        .unwrap()["result"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    nb.ok(&["delete", &id2]);
    let report = nb.ok(&["export", "--incident", P]);
    assert!(
        report.contains("412 g, presumptive\n") || report.contains("412 g, presumptive"),
        "{report}"
    );
    assert!(
        !report.contains("test ref") && !report.contains("(field test)"),
        "{report}"
    );
}

/// Each post numbers its exhibits from EX-1: a merge brings another
/// post's EX-1 beside this one's, says so, and the number alone then
/// names neither (refused, listing both), never one picked silently.
#[test]
fn a_merged_exhibit_of_a_number_held_here_is_said_and_the_number_is_ambiguous() {
    let a = with_exhibit();
    let file = a.beside("a.interdict");
    a.ok(&[
        "export",
        "--case",
        "C-0001",
        "--out",
        file.to_str().unwrap(),
    ]);
    let b = Nb::new();
    b.ok(&["init"]);
    b.ok(&["add", "case", "--title", "Post B"]);
    b.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR473124829KZ",
        "--case",
        "C-0001",
        "--set",
        "status=seized",
        "--set",
        "seized_on=2026-03-03",
    ]);
    b.ok(&[
        "exhibit",
        "add",
        "RR473124829KZ",
        "ex-1",
        "--net",
        "5",
        "--seized-by",
        "Bob",
    ]);
    b.ok(&["keys", "trust", file.to_str().unwrap()]);
    let said = b.ok(&["merge", file.to_str().unwrap()]);
    assert!(
        said.contains("exhibit EX-1 was added beside this notebook's exhibit of the same number"),
        "{said}"
    );
    let refused = b.fails(&[
        "custody",
        "add",
        "EX-1",
        "--to",
        "Lab",
        "--at",
        "2026-03-04 09:00",
    ]);
    assert!(
        refused.contains("2 exhibits are numbered")
            && refused.contains("RR473124829KZ")
            && refused.contains(P),
        "{refused}"
    );
    assert_eq!(b.count("custody"), 2);
}

/// An exhibit the file renumbers frees its number here: one the file
/// adds under the old number is not said to repeat it (the merge's
/// numbers, read as it began, kept the old one).
#[test]
fn an_exhibit_renumbered_by_a_merge_frees_its_number() {
    let a = with_exhibit();
    let file = a.beside("first.interdict");
    a.ok(&["export", "--case", "C-0001", "--out", common::s(&file)]);
    let b = Nb::new();
    b.ok(&["init"]);
    b.ok(&["keys", "trust", common::s(&file)]);
    b.ok(&["merge", common::s(&file)]);
    a.ok(&["edit", "EX-1", "--set", "number=EX-7"]);
    a.ok(&[
        "exhibit",
        "add",
        P,
        "EX-1",
        "--net",
        "5",
        "--seized-by",
        "Officer A",
    ]);
    let file = a.beside("second.interdict");
    a.ok(&["export", "--case", "C-0001", "--out", common::s(&file)]);
    let said = b.ok(&["merge", common::s(&file)]);
    assert!(!said.contains("of the same number"), "{said}");
    assert_eq!(b.count("exhibits"), 2);
}

/// A change to an exhibit after custody began, brought by a merge, is
/// flagged in the name of who made it, when, not of who merged it.
#[test]
fn a_merged_change_after_custody_began_names_who_made_it() {
    let a = with_exhibit();
    let file = a.beside("a.interdict");
    a.ok(&[
        "export",
        "--case",
        "C-0001",
        "--out",
        file.to_str().unwrap(),
    ]);
    let b = Nb::new();
    b.ok(&["init"]);
    b.ok(&["keys", "trust", file.to_str().unwrap()]);
    b.ok(&["--as", "bob", "merge", file.to_str().unwrap()]);
    // Edited by alice in the first notebook, after custody began.
    a.ok(&["--as", "alice", "edit", "EX-1", "--set", "net_g=400"]);
    let again = a.beside("a2.interdict");
    a.ok(&[
        "export",
        "--case",
        "C-0001",
        "--out",
        again.to_str().unwrap(),
    ]);
    b.ok(&["--as", "bob", "merge", again.to_str().unwrap()]);
    let sheet = b.ok(&["custody", "sheet", "EX-1"]);
    let flag = sheet
        .lines()
        .find(|l| l.contains("net weight changed from 412 g to 400 g"))
        .unwrap_or_else(|| panic!("{sheet}"));
    assert!(flag.contains("by alice") && !flag.contains("bob"), "{flag}");
}

/// A finding heavier than its whole parcel (a g/kg slip) is said on add
/// and on edit; one that fits is not.
#[test]
fn a_finding_heavier_than_its_parcel_is_said() {
    let nb = Nb::new();
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--weight",
        "450",
    ]);
    let out = nb
        .run(&[
            "add",
            "finding",
            "--parcel",
            "RR123456785KZ",
            "--substance",
            "Fentanyl",
            "--form",
            "powder",
            "--quantity",
            "37",
            "--unit",
            "kg",
        ])
        .success();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("37 kg is more than the whole parcel RR123456785KZ weighs (450 g)"),
        "{err}"
    );
    let id = String::from_utf8_lossy(&out.get_output().stdout)
        .trim()
        .to_string();
    let out = nb.run(&["edit", &id, "--set", "unit=g"]).success();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(!err.contains("more than the whole parcel"), "{err}");
    let out = nb.run(&["edit", &id, "--set", "quantity=37000"]).success();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("more than the whole parcel"), "{err}");
}

/// An edit of an exhibit's seal once custody began is flagged as the edit
/// is made (it said only "updated", the flag seen later in `trail`).
#[test]
fn an_exhibit_edited_after_custody_began_is_flagged_at_once() {
    let nb = with_exhibit();
    handover(&nb, &["--to", "Evidence store", "--at", "2026-03-02 12:00"]);
    let out = nb.run(&["edit", "EX-1", "--set", "seal=S-999"]).success();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("flagged on exhibit EX-1"), "{err}");
    // A second edit says only what it adds.
    let out = nb.run(&["edit", "EX-1", "--set", "seal=S-999"]).success();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(!err.contains("flagged"), "{err}");
}

/// Of two controlled-delivery outcomes, the incident report gives the one
/// of the latest date, with the other said beside it (it gave the one
/// entered last, dated earlier, above the other's arrests).
#[test]
fn the_incident_report_gives_the_latest_delivery_outcome_and_says_the_other() {
    let nb = seized();
    nb.ok(&[
        "delivery",
        P,
        "--outcome",
        "collected",
        "--on",
        "2026-03-04 10:00",
        "--arrests",
        "1",
    ]);
    nb.ok(&[
        "delivery",
        P,
        "--outcome",
        "not-delivered",
        "--on",
        "2026-03-03 18:00",
    ]);
    let text = nb.ok(&["export", "--incident", P]);
    assert!(
        text.contains("collected on 2026-03-04 10:00, 1 arrested (also recorded, and flagged: not-delivered on 2026-03-03 18:00)"),
        "{text}"
    );
}

/// An exhibit's weights take a unit wherever they are typed: `--set
/// net_g=410 g` and `gross_g=0,45 kg` as `--net` does (they were "not a
/// number").
#[test]
fn an_exhibits_weights_take_a_unit_in_an_edit_too() {
    let nb = with_exhibit();
    nb.ok(&[
        "edit",
        "EX-1",
        "--set",
        "net_g=410 g",
        "--set",
        "gross_g=0,45 kg",
    ]);
    let x = nb.json(&["show", "EX-1"]);
    assert_eq!(
        (x["net_g"].as_f64(), x["gross_g"].as_f64()),
        (Some(410.0), Some(450.0)),
        "{x}"
    );
}

/// An exhibit heavier than its whole parcel (a kg-for-g slip) is flagged
/// in its trail (it went unflagged, and the report gave the net weight
/// above the parcel's gross).
#[test]
fn an_exhibit_heavier_than_its_parcel_is_flagged() {
    let nb = seized();
    nb.ok(&["edit", P, "--set", "weight_g=450"]);
    nb.ok(&[
        "exhibit", "add", P, "EX-2", "--gross", "4,5 kg", "--net", "4120",
    ]);
    let t = nb.ok(&["trail", P]);
    assert!(
        t.contains("gross weight 4500 g is more than the parcel"),
        "{t}"
    );
}

/// `show` of an exhibit or a person lists its own photos and documents,
/// each hashed again (a changed or missing file showed only in `document
/// check`).
#[test]
fn show_of_an_exhibit_or_person_lists_its_documents_checked() {
    let nb = with_exhibit();
    nb.ok(&["add", "person", "--name", "Ivan Petrov"]);
    let dir = tempfile::tempdir().unwrap();
    let (photo, scan) = (dir.path().join("ex1.jpg"), dir.path().join("passport.jpg"));
    std::fs::write(&photo, "photo of the exhibit").unwrap();
    std::fs::write(&scan, "passport scan").unwrap();
    nb.ok(&["document", "add", "EX-1", photo.to_str().unwrap()]);
    nb.ok(&["document", "add", "Ivan Petrov", scan.to_str().unwrap()]);
    std::fs::write(&photo, "PHOTO OF THE EXHIBIT").unwrap();
    std::fs::remove_file(&scan).unwrap();
    let ex = nb.ok(&["show", "EX-1"]);
    assert!(
        ex.contains("Photos and documents (1)") && ex.contains("FILE CHANGED"),
        "{ex}"
    );
    let p = nb.ok(&["show", "Ivan Petrov"]);
    assert!(p.contains("FILE MISSING"), "{p}");
    let j = nb.json(&["show", "EX-1"]);
    assert!(
        j["documents"][0]["said"]
            .as_str()
            .unwrap()
            .contains("FILE CHANGED"),
        "{j}"
    );
}

/// A seized parcel with no seizure date of its own is dated and placed in
/// the incident report by its inspection, as its custody sheet is, and
/// said to be (the report said "not recorded").
#[test]
fn the_incident_report_dates_a_seizure_by_its_inspection_when_the_parcel_does_not() {
    let nb = Nb::new();
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        P,
        "--origin",
        "CN",
        "--status",
        "seized",
    ]);
    nb.ok(&[
        "inspect",
        P,
        "--selection",
        "x-ray",
        "--on",
        "2026-03-02 10:40",
        "--place",
        "Almaty sorting centre",
    ]);
    let text = nb.ok(&["export", "--incident", P]);
    assert!(text.contains("2026-03-02 (its inspection's)"), "{text}");
    assert!(
        text.contains("Almaty sorting centre (its inspection's)"),
        "{text}"
    );
    let j = nb.json(&["export", "--incident", P]);
    let p = &j["parcels"][0];
    assert_eq!(p["seizure_date"], "2026-03-02", "{j}");
    assert_eq!(p["seizure_from_inspection"], true, "{j}");
}

/// A laboratory's net quantity given by mass that is more than the parcel
/// weighs, or than its exhibits weigh together, is flagged when recorded
/// and on the trail (a unit mistaken, kg for g: it was taken as it came).
#[test]
fn a_lab_quantity_heavier_than_the_parcel_is_flagged() {
    let nb = seized();
    let f = format!("{P}:fentanyl");
    let lab = |reference: &str, quantity: &str, unit: &str| -> String {
        nb.warns(&[
            "lab",
            "add",
            &f,
            "--lab",
            "CFL",
            "--ref",
            reference,
            "--method",
            "GC-MS,FTIR",
            "--quantity",
            quantity,
            "--unit",
            unit,
        ])
    };
    nb.ok(&[
        "exhibit", "add", P, "EX-1", "--gross", "0,45 kg", "--net", "412 g",
    ]);
    nb.ok(&["exhibit", "add", P, "EX-2", "--gross", "30 g"]);
    // A sample is part of what it was taken from.
    nb.ok(&[
        "exhibit",
        "add",
        P,
        "EX-1/A",
        "--sample-of",
        "EX-1",
        "--net",
        "2",
    ]);
    // Within what the exhibits weigh (412 + 30 g), a twentieth over for
    // weighing: nothing said.
    let said = lab("CFL-1", "460", "g");
    assert!(!said.contains("flagged"), "{said}");
    let said = lab("CFL-2", "410", "kg");
    assert!(
        said.contains("lab CFL CFL-2 gives a net quantity of 410 kg, more than the parcel's exhibits weigh (442 g)"),
        "{said}"
    );
    // The parcel weighed: its weight bounds it first.
    nb.ok(&["edit", P, "--set", "weight_g=450"]);
    let said = lab("CFL-3", "0,5", "kg");
    assert!(
        said.contains("more than the parcel weighs (450 g)"),
        "{said}"
    );
    let said = lab("CFL-5", "455", "g");
    assert!(!said.contains("flagged"), "{said}");
    let trail = nb.ok(&["trail", P]);
    assert!(
        trail.contains("lab CFL CFL-2 gives a net quantity of 410 kg"),
        "{trail}"
    );
    assert!(!trail.contains("CFL-1 gives"), "{trail}");
    // Counted, not weighed: nothing to compare.
    let said = lab("CFL-4", "5000", "tablets");
    assert!(!said.contains("flagged"), "{said}");
}

/// A settlement names the fields it kept as they were in its audit
/// entry: the custody sheet does not read one as an edit ("net weight
/// changed from 410 g to 410 g", at every post that received it).
#[test]
fn a_settled_weight_is_no_edit_on_the_custody_sheet() {
    let a = with_exhibit();
    let b = Nb::new();
    b.ok(&["init"]);
    let file = |nb: &Nb, name: &str| {
        let f = nb.beside(name);
        nb.ok(&["export", "--all", "--out", f.to_str().unwrap()]);
        f
    };
    let merge = |nb: &Nb, f: &std::path::Path| {
        nb.ok(&["merge", "--trust-new", f.to_str().unwrap()]);
    };
    merge(&b, &file(&a, "a0.db"));
    a.ok(&["edit", "EX-1", "--set", "net_g=410"]);
    b.ok(&["edit", "EX-1", "--set", "net_g=400"]);
    merge(&a, &file(&b, "b1.db"));
    let id = a.json(&["conflicts"])[0]["id"].to_string();
    a.ok(&["conflicts", "resolve", &id, "--keep", "local"]);
    assert!(a.ok(&["audit", "log", "EX-1"]).contains("net_g: kept 410"));
    let sheet = a.ok(&["custody", "sheet", "EX-1"]);
    assert!(sheet.contains("changed from 412 g to 410 g"), "{sheet}");
    assert!(!sheet.contains("from 410 g to 410 g"), "{sheet}");
    merge(&b, &file(&a, "a1.db"));
    let sheet = b.ok(&["custody", "sheet", "EX-1"]);
    assert!(!sheet.contains("from 410 g to 410 g"), "{sheet}");
}

/// A notebook holding parcel RR123456785CN, of 500 g, seized on
/// 2026-03-02 (from CN to KZ).
fn seized_of_500_g() -> Nb {
    let nb = Nb::new();
    nb.ok(&["init"]);
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785CN",
        "--origin",
        "CN",
        "--destination",
        "KZ",
        "--weight",
        "500",
        "--status",
        "seized",
        "--seized-on",
        "2026-03-02",
    ]);
    nb
}

/// A parcel re-examined in the store days after its seizure: the
/// seizure stays the inspection of its seizure's day (the x-ray at 10:40),
/// the chain stays clean, and the incident report's detection method
/// stays the x-ray's. (The last inspection was taken for the seizure: a
/// clean chain was flagged as handed over before the seizure, and the
/// report gave the re-examination as the detection.) A second inspection
/// later that day does not move it either.
#[test]
fn a_later_inspection_does_not_move_the_seizure() {
    let (nb, p) = (seized_of_500_g(), "RR123456785CN");
    nb.ok(&[
        "inspect",
        p,
        "--selection",
        "x-ray",
        "--on",
        "2026-03-02 10:40",
    ]);
    nb.ok(&[
        "exhibit",
        "add",
        p,
        "EX-1",
        "--net",
        "412",
        "--seal",
        "S1",
        "--seized-by",
        "Insp. A",
    ]);
    nb.ok(&[
        "custody",
        "add",
        "EX-1",
        "--to",
        "Evidence store",
        "--at",
        "2026-03-02 12:00",
    ]);
    let flags = |nb: &Nb| nb.json(&["custody", "sheet", "EX-1"])["flags"].clone();
    assert_eq!(flags(&nb), serde_json::json!([]));
    nb.ok(&[
        "inspect",
        p,
        "--selection",
        "other",
        "--on",
        "2026-03-02 15:00",
    ]);
    nb.ok(&[
        "inspect",
        p,
        "--selection",
        "other",
        "--on",
        "2026-03-09 15:00",
    ]);
    assert_eq!(flags(&nb), serde_json::json!([]), "still clean");
    let trail = nb.ok(&["trail", p]);
    assert!(trail.contains("0 flag(s)"), "{trail}");
    let j = nb.json(&["export", "--incident", p]);
    assert_eq!(j["parcels"][0]["detection_method"], "x-ray", "{j}");
    assert_eq!(j["parcels"][0]["inspected_on"], "2026-03-02 10:40", "{j}");
    // With no inspection on the seizure's day, the last before it.
    nb.ok(&["edit", p, "--set", "seized_on=2026-03-05"]);
    let j = nb.json(&["export", "--incident", p]);
    assert_eq!(j["parcels"][0]["inspected_on"], "2026-03-02 15:00", "{j}");
}

/// What a custody sheet stands on, changed once custody began, is
/// flagged and said by the edit: the parcel's seizure date, status and
/// tracking number, and an exhibit's kind and the exhibit a sample was
/// taken from. (They said only "updated", and a parcel released with its
/// seizure date cleared left a clean sheet.)
#[test]
fn changes_under_a_chain_once_custody_began_are_flagged() {
    let (nb, p) = (seized_of_500_g(), "RR123456785CN");
    nb.ok(&[
        "exhibit",
        "add",
        p,
        "EX-1",
        "--gross",
        "300",
        "--net",
        "280",
        "--seal",
        "S1",
        "--seized-by",
        "A",
    ]);
    nb.ok(&[
        "exhibit",
        "add",
        p,
        "EX-2",
        "--gross",
        "100",
        "--net",
        "90",
        "--seal",
        "S2",
        "--seized-by",
        "A",
    ]);
    nb.ok(&[
        "exhibit",
        "add",
        p,
        "EX-1a",
        "--sample-of",
        "EX-1",
        "--net",
        "2",
        "--seal",
        "S3",
        "--seized-by",
        "A",
    ]);
    nb.ok(&[
        "custody",
        "add",
        "EX-1a",
        "--to",
        "Central lab",
        "--purpose",
        "analysis",
        "--at",
        "2026-03-03 10:00",
    ]);
    nb.ok(&[
        "custody",
        "add",
        "EX-2",
        "--to",
        "Evidence store",
        "--at",
        "2026-03-02 12:00",
    ]);
    let said = |args: &[&str]| {
        let out = nb.cmd().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout)
    };
    let s = said(&["edit", "EX-1a", "--set", "sample_of=EX-2"]);
    assert!(
        s.contains(
            "flagged on exhibit EX-1a: the exhibit it was taken from changed from EX-1 to EX-2"
        ),
        "{s}"
    );
    let s = said(&[
        "edit",
        "EX-2",
        "--set",
        "exhibit_kind=sample",
        "--set",
        "sample_of=EX-1",
    ]);
    assert!(
        s.contains("flagged on exhibit EX-2: kind (item or sample) changed from item to sample"),
        "{s}"
    );
    // The chain's own course is no change under it: a parcel inspected,
    // its exhibit logged, then made seized, its weight filled in.
    let q = "RR987654326KZ";
    nb.ok(&["add", "parcel", "--tracking", q, "--status", "inspected"]);
    nb.ok(&[
        "exhibit",
        "add",
        q,
        "EX-9",
        "--net",
        "10",
        "--seized-by",
        "A",
    ]);
    let s = said(&["edit", q, "--set", "status=seized", "--set", "weight_g=500"]);
    assert!(!s.contains("changed from"), "{s}");
    let s = said(&["edit", p, "--set", "seized_on=", "--set", "status=released"]);
    for want in [
        "flagged on exhibit EX-2: the parcel's seizure date changed from 2026-03-02 to none",
        "flagged on exhibit EX-2: the parcel's status changed from seized to released",
        "flagged on exhibit EX-1a: the parcel's status changed from seized to released",
    ] {
        assert!(s.contains(want), "{want}: {s}");
    }
    // (EX-1's custody began with its seizure entry: flagged too.)
    assert!(
        s.contains("flagged on exhibit EX-1: the parcel's status"),
        "{s}"
    );
    let sheet = nb.json(&["custody", "sheet", "EX-2"]);
    assert!(
        sheet["flags"]
            .to_string()
            .contains("the parcel's status changed"),
        "{sheet}"
    );
}

/// A parcel's exhibits that together weigh more than the parcel are
/// flagged on each (each was weighed against the parcel alone: 400 g and
/// 400 g from a parcel of 500 g went unflagged).
#[test]
fn exhibits_weighing_more_than_their_parcel_together_are_flagged() {
    let (nb, p) = (seized_of_500_g(), "RR123456785CN");
    nb.ok(&[
        "exhibit",
        "add",
        p,
        "EX-1",
        "--gross",
        "400",
        "--net",
        "380",
        "--seized-by",
        "A",
    ]);
    let flags = |n: &str| nb.json(&["custody", "sheet", n])["flags"].to_string();
    assert!(!flags("EX-1").contains("together"), "{}", flags("EX-1"));
    nb.ok(&[
        "exhibit",
        "add",
        p,
        "EX-2",
        "--gross",
        "400",
        "--net",
        "390",
        "--seized-by",
        "A",
    ]);
    for n in ["EX-1", "EX-2"] {
        assert!(
            flags(n).contains("the parcel's 2 exhibits weigh 800 g together, more than the parcel"),
            "{n}: {}",
            flags(n)
        );
    }
}

/// An exhibit with no custody recorded is flagged (the sheet said "no
/// gap" until one real hand-over made it flagged); a sample follows its
/// exhibit renumbered (it kept the old number, could no longer be
/// edited, and named another parcel's exhibit given that number), and
/// goes with it when it is deleted.
#[test]
fn an_exhibit_without_custody_is_a_gap_and_samples_follow_their_exhibit() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    for t in ["RR000000014KZ", "EE123456785CN"] {
        nb.ok(&["add", "parcel", "--tracking", t, "--weight", "1000"]);
    }
    nb.ok(&["exhibit", "add", "RR000000014KZ", "X1", "--net", "800 g"]);
    let sheet = nb.ok(&["custody", "sheet", "X1"]);
    assert!(
        sheet.contains("gap: no custody recorded") && !sheet.contains("Flags: none"),
        "{sheet}"
    );
    nb.ok(&[
        "exhibit",
        "add",
        "RR000000014KZ",
        "X1-S",
        "--sample-of",
        "X1",
        "--net",
        "2 g",
    ]);
    nb.ok(&["edit", "X1", "--set", "number=X-1"]);
    let sample = nb.json(&["show", "X1-S"]);
    assert_eq!(sample["sample_of"], "X-1", "{sample}");
    nb.ok(&["edit", "X1-S", "--set", "net_g=1.8"]);
    // The old number given to another parcel's exhibit is not the sample's.
    nb.ok(&["exhibit", "add", "EE123456785CN", "X1", "--net", "5 g"]);
    let sheet = nb.ok(&["custody", "sheet", "X1-S"]);
    assert!(
        sheet.contains("X-1") && !sheet.contains("exhibit X1\n"),
        "{sheet}"
    );
    // Deleted, the exhibit takes its samples with it.
    nb.ok(&["delete", "X-1"]);
    assert!(nb.fails(&["show", "X1-S"]).contains("X1-S"));
    nb.ok(&["audit", "verify"]);
}

/// An exhibit heavier than its parcel, alone or with the parcel's others,
/// is said as it is added (an edit said it, `exhibit add` nothing), and
/// the incident report says its weights are flagged (it gave a net weight
/// above the gross with no word, in text, JSON and CSV).
#[test]
fn exhibits_heavier_than_their_parcel_are_said_when_added_and_in_the_report() {
    let nb = Nb::new();
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR000007777CN",
        "--origin",
        "CN",
        "--destination",
        "KZ",
        "--weight",
        "500",
        "--status",
        "seized",
        "--seized-on",
        "2026-03-02",
    ]);
    let add = |number: &str, net: &str| {
        let out = nb
            .run(&[
                "exhibit",
                "add",
                "RR000007777CN",
                number,
                "--net",
                net,
                "--seized-by",
                "Insp. N",
            ])
            .success();
        String::from_utf8_lossy(&out.get_output().stderr).to_string()
    };
    let said = add("EX-1", "400");
    assert!(!said.contains("flagged"), "{said}");
    // its kind said once
    let out = nb.ok(&["exhibit", "add", "RR000007777CN", "EX-0", "--net", "1"]);
    assert!(out.starts_with("added exhibit EX-0 ("), "{out}");
    nb.ok(&["delete", "EX-0"]);
    let said = add("EX-2", "400");
    assert!(
        said.contains("flagged on exhibit EX-2: the parcel's 2 exhibits weigh 800 g together, more than the parcel RR000007777CN (500 g)"),
        "{said}"
    );
    let said = add("EX-3", "700");
    assert!(
        said.contains("flagged on exhibit EX-3: net weight 700 g is more than the parcel RR000007777CN weighs (500 g): a slip of units?"),
        "{said}"
    );
    // the list says which weight is which
    let list = nb.ok(&["exhibit", "list", "RR000007777CN"]);
    assert!(
        list.lines()
            .next()
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>()
            == [
                "NUMBER",
                "KIND",
                "SEAL",
                "GROSS",
                "NET",
                "HAND-OVERS",
                "FLAGS",
                "PARCEL"
            ],
        "{list}"
    );
    assert!(list.contains("EX-3") && list.contains("700 g"), "{list}");
    let text = nb.ok(&["export", "--incident", "RR000007777CN", "--country", "KZ"]);
    assert!(text.contains("Net weight:"), "{text}");
    assert!(
        text.contains("Weight flagged:")
            && text.contains("exhibit EX-3: net weight 700 g is more than the parcel"),
        "{text}"
    );
    let json = nb.json(&["export", "--incident", "RR000007777CN", "--country", "KZ"]);
    let flags = json["parcels"][0]["weight_flags"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(flags.len(), 2, "{json}");
    let csv = nb.ok(&[
        "--format",
        "csv",
        "export",
        "--incident",
        "RR000007777CN",
        "--country",
        "KZ",
    ]);
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .contains("net_weight_g,weight_flags"),
        "{csv}"
    );
    assert!(csv.contains("a slip of units?"), "{csv}");
}

/// A finding's own test reference (a field kit's number) is in the
/// incident report's JSON and CSV as in its text: they left it out.
#[test]
fn an_incident_report_gives_a_findings_test_reference_in_every_format() {
    let nb = Nb::new();
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--status",
        "seized",
        "--seized-on",
        "2026-01-10",
    ]);
    nb.ok(&[
        "add",
        "finding",
        "--parcel",
        "RR123456785KZ",
        "--substance",
        "Mephedrone",
        "--form",
        "powder",
        "--quantity",
        "50",
        "--unit",
        "g",
        "--set",
        "test_ref=NIK field kit #4471",
    ]);
    let text = nb.ok(&["export", "--incident", "RR123456785KZ"]);
    assert!(text.contains("NIK field kit #4471"), "{text}");
    let json = nb.json(&["export", "--incident", "RR123456785KZ"]);
    assert_eq!(
        json["parcels"][0]["substances"][0]["test_reference"], "NIK field kit #4471",
        "{json}"
    );
    let csv = nb.ok(&["--format", "csv", "export", "--incident", "RR123456785KZ"]);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = header
        .iter()
        .position(|h| *h == "test_reference")
        .expect("a test_reference column");
    assert!(
        lines.next().unwrap().contains("NIK field kit #4471"),
        "{csv}"
    );
    assert!(at > 0);
}

/// What the trail flags reaches the incident report: a finding's quantity
/// over the parcel's weight (said once by `add finding`, then by nothing),
/// a positive field test the lab does not bear out (said side by side with
/// the lab's answer, no word); a sample that makes its exhibit's samples
/// outweigh it is said by `exhibit add`; `weight_flags` is always in the
/// JSON report.
#[test]
fn what_the_trail_flags_of_weights_and_field_tests_is_said_everywhere() {
    let nb = with_exhibit();
    let report = |nb: &Nb| nb.json(&["export", "--incident", P]);
    let weight_flags = |v: &serde_json::Value| v["parcels"][0]["weight_flags"].clone();
    let trail_flags = |nb: &Nb| nb.json(&["trail", P])["parcels"][0]["trail"]["flags"].to_string();
    assert_eq!(weight_flags(&report(&nb)), serde_json::json!([]));
    // 412 g of fentanyl in a parcel of 200 g.
    nb.ok(&["edit", P, "--set", "weight_g=200"]);
    let flags = trail_flags(&nb);
    assert!(
        flags.contains("the finding of Fentanyl gives a net quantity of 412 g, more than the parcel weighs (200 g)"),
        "{flags}"
    );
    assert!(
        weight_flags(&report(&nb))
            .to_string()
            .contains("the finding of Fentanyl gives a net quantity of 412 g"),
        "{}",
        report(&nb)
    );
    nb.ok(&["edit", P, "--set", "weight_g=1000"]);
    // Two samples of 300 g from an exhibit of 412 g: the second says so.
    nb.ok(&[
        "exhibit",
        "add",
        P,
        "EX-1/A",
        "--sample-of",
        "EX-1",
        "--net",
        "300",
    ]);
    let said = nb.warns(&[
        "exhibit",
        "add",
        P,
        "EX-1/B",
        "--sample-of",
        "EX-1",
        "--net",
        "300",
    ]);
    assert!(
        said.contains(
            "flagged on exhibit EX-1: its 2 samples weigh 600 g together, more than its own 412 g"
        ),
        "{said}"
    );
    // A kit's positive for mephedrone; the lab confirms fentanyl.
    kit_positive(&nb, "2026-03-02 10:40", "mephedrone");
    let unborne = "the field test of 2026-03-02 10:40 (NIK U) was positive for mephedrone; the lab confirmed Fentanyl only";
    assert!(!trail_flags(&nb).contains(unborne));
    nb.ok(&[
        "lab",
        "add",
        &format!("{P}:fentanyl"),
        "--lab",
        "CFL",
        "--ref",
        "CFL-2",
        "--method",
        "GC-MS,FTIR",
        "--outcome",
        "confirmed",
        "--on",
        "2026-03-10",
    ]);
    let flags = trail_flags(&nb);
    assert!(flags.contains(unborne), "{flags}");
    let field_test = report(&nb)["parcels"][0]["field_test"].to_string();
    assert!(
        field_test.contains(&format!("not borne out: {unborne}")),
        "{field_test}"
    );
    // A test the lab bears out is no flag.
    kit_positive(&nb, "2026-03-02 11:40", "fentanyl");
    let flags = trail_flags(&nb);
    assert!(!flags.contains("was positive for fentanyl;"), "{flags}");
    // A kit's class borne out by the substance's effect (fentanyl is a
    // synthetic opioid): no flag.
    kit_positive(&nb, "2026-03-02 12:40", "opioids");
    let flags = trail_flags(&nb);
    assert!(!flags.contains("was positive for opioids;"), "{flags}");
}

/// The report's field test is that of the seizure's day when the seizing
/// inspection did none (an x-ray at 09:00, the kit at 14:00 said "not
/// recorded" of a test the trail showed).
#[test]
fn the_report_gives_the_field_test_of_the_seizures_day() {
    let nb = seized();
    nb.ok(&[
        "inspect",
        P,
        "--selection",
        "x-ray",
        "--on",
        "2026-03-02 09:00",
    ]);
    let report =
        |nb: &Nb| nb.json(&["export", "--incident", P])["parcels"][0]["field_test"].clone();
    assert_eq!(report(&nb), serde_json::Value::Null);
    kit_positive(&nb, "2026-03-02 14:00", "fentanyl");
    assert_eq!(report(&nb), "positive for fentanyl (NIK U)");
}

/// Findings that together weigh more than their parcel are flagged on
/// the trail and in the report (each was weighed against it alone); a
/// sample's net weight over its exhibit's gross, when only the gross was
/// weighed, is refused as one over its net is.
#[test]
fn findings_together_and_a_sample_over_a_gross_weight_are_caught() {
    let nb = seized();
    nb.ok(&["edit", P, "--set", "weight_g=500"]);
    let flags = |nb: &Nb| nb.json(&["trail", P])["parcels"][0]["trail"]["flags"].to_string();
    assert!(!flags(&nb).contains("findings weigh"), "{}", flags(&nb));
    nb.ok(&[
        "add",
        "finding",
        "--parcel",
        P,
        "--substance",
        "mephedrone",
        "--quantity",
        "0.3",
        "--unit",
        "kg",
    ]);
    let said = "the parcel's 2 findings weigh 712 g together, more than the parcel weighs (500 g)";
    assert!(flags(&nb).contains(said), "{}", flags(&nb));
    let report = nb.json(&["export", "--incident", P]);
    assert!(
        report["parcels"][0]["weight_flags"]
            .to_string()
            .contains(said),
        "{report}"
    );
    nb.ok(&["exhibit", "add", P, "EX-1", "--gross", "10"]);
    let heavy = nb.fails(&[
        "exhibit",
        "add",
        P,
        "S-1",
        "--sample-of",
        "EX-1",
        "--net",
        "12",
    ]);
    assert!(
        heavy.contains(
            "a sample of 12 g (net) weighs more than exhibit EX-1 it is taken from (10 g gross)"
        ),
        "{heavy}"
    );
}

/// A field test of the parcel with the NIK U kit, positive for `indicated`,
/// at `on`.
fn kit_positive(nb: &Nb, on: &str, indicated: &str) {
    nb.ok(&[
        "inspect",
        P,
        "--selection",
        "x-ray",
        "--on",
        on,
        "--actions",
        "field-tested",
        "--kit",
        "NIK U",
        "--result",
        "positive",
        "--indicated",
        indicated,
    ]);
}
