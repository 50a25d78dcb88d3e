//! The command line, as clap sees it.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "interdict",
    version,
    about = "A case-and-intelligence notebook for synthetic-drug parcel interdiction",
    long_about = "A case-and-intelligence notebook for synthetic-drug parcel interdiction.\n\n\
        Cases, parcels, substances, findings, links and notes in one local SQLite file, \
        cross-referenced by normalised identifiers. Run without a command to open the \
        terminal interface."
)]
pub struct Cli {
    /// Notebook file [default: interdict.db in the user's data directory]
    #[arg(long, global = true, env = "INTERDICT_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Attribute changes to NAME instead of the OS user (shared accounts)
    #[arg(
        long = "as",
        global = true,
        env = "INTERDICT_USER",
        value_name = "NAME"
    )]
    pub actor: Option<String>,

    /// A group that may share a notebook this command creates (mode 0660).
    /// (Not `--group`: that is a substance's chemical group, which the
    /// same long name given globally silently took.)
    #[arg(
        id = "file_group",
        long = "file-group",
        global = true,
        env = "INTERDICT_GROUP",
        value_name = "GROUP"
    )]
    pub group: Option<String>,

    /// Open the notebook read-only: nothing is written, not even a migration
    #[arg(long, global = true)]
    pub read_only: bool,

    /// age identity file to decrypt an encrypted export (with --db or merge)
    #[arg(long, global = true, value_name = "FILE")]
    pub identity: Option<PathBuf>,

    /// Output format of commands that print records
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Show bank card numbers in full (masked but for the last four digits otherwise)
    #[arg(long, global = true, env = "INTERDICT_SHOW_CARDS")]
    pub show_cards: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    /// Lists as CSV with a header row; cells a spreadsheet would run as a
    /// formula get a leading quote
    Csv,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the notebook file (with the substance catalogue) if it does not exist
    Init,
    /// Add a case, parcel, substance, finding, note or link
    #[command(subcommand)]
    Add(Add),
    /// Change fields of an item: edit REF --set field=value ...
    Edit {
        /// Case reference, tracking number, substance name or id
        #[arg(value_name = "REF")]
        target: String,
        /// field=value (repeatable); an empty value clears the field
        #[arg(long = "set", value_name = "FIELD=VALUE", required = true)]
        set: Vec<String>,
    },
    /// Delete an item, with its findings, links and notes (all audited)
    Delete {
        #[arg(value_name = "REF")]
        target: String,
    },
    /// List items of one kind
    List(ListArgs),
    /// Show one item with what surrounds it
    Show {
        /// Case reference (C-0001), tracking number, substance name or id
        #[arg(value_name = "REF")]
        target: String,
    },
    /// Fuzzy search across every kind of item
    Search {
        query: String,
        /// Only items of this kind
        #[arg(long)]
        kind: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Show the fields of a kind, for forms, --set and imports
    Fields {
        /// case, parcel, substance, finding, link or note
        kind: String,
    },
    /// Fill an empty notebook with a deterministic synthetic dataset
    Demo {
        /// Number of parcels
        #[arg(long, default_value_t = 2000)]
        parcels: usize,
        /// Seed of the generator (the same seed gives the same data)
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Also write a manifest of tomorrow's parcels (CSV) to screen, with
        /// rows planted to be hit (listed in FILE.planted); on a notebook
        /// that already holds demo data, only the manifest is written
        #[arg(long, value_name = "FILE")]
        manifest: Option<PathBuf>,
        /// Rows of the manifest
        #[arg(long, default_value_t = 1000)]
        rows: usize,
    },
    /// The audit log
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Items connected to an item, each with the reason
    Xref {
        #[arg(value_name = "REF")]
        target: String,
        /// How many steps out (1: direct connections)
        #[arg(long, default_value_t = 1, value_parser = steps)]
        depth: usize,
    },
    /// The shortest chain of connections between two items, with reasons
    Path {
        #[arg(value_name = "FROM")]
        from: String,
        #[arg(value_name = "TO")]
        to: String,
        /// Give up beyond this many steps
        #[arg(long, default_value_t = 6, value_parser = steps)]
        max_depth: usize,
    },
    /// The connected network around an item, with counts by kind
    Cluster {
        #[arg(value_name = "REF")]
        target: String,
    },
    /// Every network of two or more items in the notebook, largest first
    Clusters {
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// The items of a case that connect to the most others
    Central {
        #[arg(value_name = "CASE")]
        case: String,
        #[arg(long, default_value_t = 10)]
        top: usize,
    },
    /// Values that must never connect items (placeholders, courier hubs...)
    #[command(subcommand)]
    Warnlist(WarnCmd),
    /// Suggested fuzzy name matches, to confirm (a same-as link) or reject
    #[command(subcommand)]
    Matches(MatchCmd),
    /// Export cases as a signed database file (default), a graph, a STIX
    /// 2.1 bundle or a parcel's incident summary
    Export(ExportArgs),
    /// Merge an exported database file into this notebook
    Merge(MergeArgs),
    /// Edits that met on merge and wait for a person's choice
    Conflicts {
        #[command(subcommand)]
        cmd: Option<ConflictCmd>,
    },
    /// Bring in data from other tools
    #[command(subcommand)]
    Import(ImportCmd),
    /// This notebook user's signing key, and age identities for encryption
    #[command(subcommand)]
    Keys(KeysCmd),
    /// Counts for analysts: frequencies, trends, routes, emerging substances
    #[command(subcommand)]
    Stats(StatsCmd),
    /// Pack the notebook file and give its free pages back (no one else may have it open)
    Compact,
    /// Everything that happened in a case, in date order
    Timeline {
        #[arg(value_name = "CASE")]
        case: String,
    },
    /// Identifiers to catch on incoming parcels, each with why
    #[command(subcommand)]
    Watch(WatchCmd),
    /// Risk profiles: weighted indicators that parcels are screened against
    #[command(subcommand)]
    Profile(ProfileCmd),
    /// Parcels that matched a profile or the watchlist, newest first, with why
    Hits {
        /// Only hits found on or after this date (YYYY-MM-DD)
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// At most N hits [default: 100 in a table, all in JSON and CSV]
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
    },
    /// Screen a manifest (CSV) against the profiles and the watchlist without importing it
    Screen(ScreenArgs),
    /// Screen the notebook's recent parcels again (after a profile or the watchlist changed)
    Rescreen {
        /// Parcels recorded on or after this date [default: the last 30 days]
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
    },
    /// Record an inspection of a parcel: when, where, who, how it was selected, what was done
    Inspect(InspectArgs),
    /// Exhibits: items seized from a parcel and samples taken from them
    #[command(subcommand)]
    Exhibit(ExhibitCmd),
    /// The custody log of an exhibit: hand-overs (append-only) and the printable sheet
    #[command(subcommand)]
    Custody(CustodyCmd),
    /// Laboratory results on findings
    #[command(subcommand)]
    Lab(LabCmd),
    /// Record how a controlled delivery of a parcel ended
    Delivery(DeliveryArgs),
    /// Photos and documents on items, by path and SHA-256
    #[command(subcommand)]
    Document(DocumentCmd),
    /// The evidence trail of a parcel or a case, with what is flagged in it
    Trail {
        #[arg(value_name = "REF")]
        target: String,
    },
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The parcel (tracking number or id)
    #[arg(value_name = "PARCEL")]
    pub parcel: String,
    /// How it was selected: profiling-hit, x-ray, detector-dog, intelligence, random, controlled-delivery, tip-off, other
    #[arg(long)]
    pub selection: String,
    /// When (YYYY-MM-DD HH:MM, a date, or now) [default: now]
    #[arg(long, value_name = "WHEN")]
    pub on: Option<String>,
    /// Where (the office, airport or sorting centre)
    #[arg(long)]
    pub place: Option<String>,
    /// post-office, sorting-centre, airport, courier-hub, border-crossing, warehouse, address, other
    #[arg(long)]
    pub place_kind: Option<String>,
    #[arg(long)]
    pub officer: Option<String>,
    /// What was done, comma-separated: x-rayed, dog-screened, opened, field-tested, weighed, photographed, sampled, resealed
    #[arg(long)]
    pub actions: Option<String>,
    /// The field-test kit
    #[arg(long)]
    pub kit: Option<String>,
    /// The field test's result: positive, negative, inconclusive
    #[arg(long)]
    pub result: Option<String>,
    /// What the field test indicated (e.g. fentanyl)
    #[arg(long)]
    pub indicated: Option<String>,
    #[arg(long)]
    pub note: Option<String>,
    #[command(flatten)]
    pub extra: SetArgs,
}

#[derive(Debug, Subcommand)]
pub enum ExhibitCmd {
    /// An item seized from a parcel, or a sample taken from one (--sample-of)
    Add {
        #[arg(value_name = "PARCEL")]
        parcel: String,
        /// The exhibit number, unique in the notebook
        #[arg(value_name = "NUMBER")]
        number: String,
        /// The exhibit this sample was taken from (makes it a sample)
        #[arg(long, value_name = "NUMBER")]
        sample_of: Option<String>,
        #[arg(long)]
        seal: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// Gross weight (g, or with a unit: 0,45 kg)
        #[arg(long, value_name = "WEIGHT")]
        gross: Option<String>,
        /// Net weight (g, or with a unit)
        #[arg(long, value_name = "WEIGHT")]
        net: Option<String>,
        /// The first holder: records the seizure as the first custody entry
        #[arg(long, value_name = "NAME")]
        seized_by: Option<String>,
        #[command(flatten)]
        extra: SetArgs,
    },
    /// The exhibits of a parcel, or of every parcel
    List {
        #[arg(value_name = "PARCEL")]
        parcel: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum CustodyCmd {
    /// A hand-over of an exhibit (entries are never edited or deleted)
    Add {
        /// Exhibit number or id
        #[arg(value_name = "EXHIBIT")]
        exhibit: String,
        /// Who receives it
        #[arg(long, value_name = "NAME")]
        to: String,
        /// Who hands it over [default: whoever last received it]
        #[arg(long, value_name = "NAME")]
        from: Option<String>,
        /// When (YYYY-MM-DD HH:MM) [default: now]
        #[arg(long, value_name = "WHEN")]
        at: Option<String>,
        #[arg(long)]
        place: Option<String>,
        /// seizure, storage, transport, analysis, court, return, destruction, other [default: storage]
        #[arg(long)]
        purpose: Option<String>,
        /// The seal was found broken at this hand-over
        #[arg(long)]
        seal_broken: bool,
        /// The seal number on it after the hand-over (a laboratory's new seal)
        #[arg(long)]
        seal: Option<String>,
        #[arg(long)]
        note: Option<String>,
    },
    /// The printable custody sheet of an exhibit, with gaps and broken seals flagged
    Sheet {
        #[arg(value_name = "EXHIBIT")]
        exhibit: String,
    },
}

/// (Parsed once per process: its size does not matter.)
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum LabCmd {
    /// A laboratory result on a finding (FINDING: its id, a parcel with one finding, or PARCEL:SUBSTANCE)
    Add {
        #[arg(value_name = "FINDING")]
        finding: String,
        /// The laboratory
        #[arg(long = "lab", value_name = "NAME")]
        laboratory: String,
        /// The laboratory's report reference
        #[arg(long = "ref", value_name = "REF")]
        reference: String,
        /// Methods, comma-separated: GC-MS, LC-MS, LC-HRMS, FTIR, Raman, NMR, HPLC, UV-Vis, colour-test, other
        #[arg(long)]
        method: String,
        /// confirmed, other-substance, not-detected [default: confirmed]
        #[arg(long)]
        outcome: Option<String>,
        /// The substance found, when not the finding's (other-substance)
        #[arg(long, value_name = "SUBSTANCE")]
        identified: Option<String>,
        /// Date of analysis (YYYY-MM-DD)
        #[arg(long, value_name = "DATE")]
        on: Option<String>,
        /// Purity in percent
        #[arg(long)]
        purity: Option<String>,
        /// Net quantity (with --unit)
        #[arg(long)]
        quantity: Option<String>,
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        note: Option<String>,
    },
    /// The results on a parcel's findings, or every result
    List {
        #[arg(value_name = "PARCEL")]
        parcel: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct DeliveryArgs {
    #[arg(value_name = "PARCEL")]
    pub parcel: String,
    /// collected, delivered-not-collected, not-delivered, abandoned, called-off
    #[arg(long)]
    pub outcome: String,
    /// When (YYYY-MM-DD HH:MM or a date)
    #[arg(long, value_name = "WHEN")]
    pub on: Option<String>,
    /// The address it was delivered to
    #[arg(long, value_name = "ADDRESS")]
    pub to: Option<String>,
    /// Who collected it
    #[arg(long, value_name = "NAME")]
    pub collected_by: Option<String>,
    /// How many were arrested (at least as many as --arrested)
    #[arg(long)]
    pub arrests: Option<String>,
    /// A person arrested (a person in the notebook; repeatable), linked to the parcel
    #[arg(long, value_name = "PERSON")]
    pub arrested: Vec<String>,
    #[arg(long)]
    pub note: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum DocumentCmd {
    /// Reference a file on an item by path and SHA-256 (not copied unless --embed)
    Add {
        /// The item (parcel, case, exhibit number, person...)
        #[arg(value_name = "REF")]
        item: String,
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// photo, x-ray-image, document, lab-report, label, video, other [default: from the file name]
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// Also keep the file's bytes in the notebook (they travel with exports)
        #[arg(long)]
        embed: bool,
    },
    /// Check documents against their SHA-256: of an item, of a case, or all
    Check {
        #[arg(value_name = "REF")]
        item: Option<String>,
    },
    /// Write a document's bytes kept in the notebook to a file
    Extract {
        /// The document's id
        #[arg(value_name = "ID")]
        id: String,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum WatchCmd {
    /// Watch a value: KIND is phone, email, address, name, content, payment or tracking
    Add {
        kind: String,
        value: String,
        /// Why it is watched (shown with every hit it makes)
        #[arg(long)]
        reason: String,
        /// The case it belongs to
        #[arg(long = "case", value_name = "REF")]
        case: Option<String>,
        /// Stop watching after this date (YYYY-MM-DD)
        #[arg(long, value_name = "DATE")]
        expires: Option<String>,
        /// Handling label [default: AMBER]
        #[arg(long)]
        tlp: Option<String>,
        /// The country a phone number without + is read in (e.g. KZ)
        #[arg(long, value_name = "CC")]
        country: Option<String>,
    },
    /// The values watched
    List {
        /// Expired entries too
        #[arg(long)]
        all: bool,
    },
    /// Stop watching: an entry by its id, or KIND VALUE
    Remove {
        #[arg(value_name = "ID|KIND")]
        what: String,
        value: Option<String>,
        #[arg(long, value_name = "CC")]
        country: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProfileCmd {
    /// The profiles, active or not
    List,
    /// Add a profile from a TOML file, or replace the one of the same name
    Import {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Write a profile's TOML (to stdout, or --out FILE)
    Export {
        name: String,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Edit a profile in $EDITOR (a new one from a template if NAME is new)
    Edit { name: String },
    /// Screen with a profile again
    On { name: String },
    /// Stop screening with a profile (kept, with its hits)
    Off { name: String },
    /// Remove a profile (its hits stay)
    Remove { name: String },
}

#[derive(Debug, Args)]
pub struct ScreenArgs {
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Only this profile [default: every active profile, and the watchlist]
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Column mapping (TOML), as for `import csv`
    #[arg(long, value_name = "MAP.toml")]
    pub mapping: Option<PathBuf>,
    /// The file's text encoding when it is not UTF-8
    #[arg(long, value_name = "NAME")]
    pub encoding: Option<String>,
    /// Field delimiter: one character, or `tab` (`\t`) [default: recognised from the header line]
    #[arg(long, value_name = "CHAR", value_parser = delimiter_char)]
    pub delimiter: Option<char>,
    /// The line the header is on (1 = the first line) [default: found among the first 20 rows, below any title or notes]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub header_row: Option<u64>,
    /// The order of slash dates such as 03/04/2026 [default: told by each date column's other dates]
    #[arg(long, value_name = "dmy|mdy|ymd", value_parser = parse_date_order)]
    pub date_order: Option<crate::domain::fields::DateOrder>,
    /// Add the parcels that hit to the notebook (as targeted), with their hits
    #[arg(long)]
    pub keep_hits: bool,
}

/// Which items a count is over.
#[derive(Debug, Args, Default)]
pub struct ScopeArgs {
    /// Only what this case holds (its parcels, their substances, its links)
    #[arg(long = "case", value_name = "REF")]
    pub case: Option<String>,
    /// From this date on, YYYY-MM-DD (a parcel's seizure, a case's opening)
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Up to this date, inclusive
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Only items whose FIELD is VALUE (repeatable; empty VALUE: items without one)
    #[arg(long = "where", value_name = "FIELD=VALUE")]
    pub facets: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum StatsCmd {
    /// Distinct values of a field with count and share (derived fields too:
    /// month, week, route, path, substance, group, form, identifier...)
    Freq {
        /// The field (a name it does not know lists those it does)
        #[arg(value_name = "FIELD")]
        field: String,
        /// Items of this kind: parcel, case, substance or link
        #[arg(long, default_value = "parcel")]
        kind: String,
        #[command(flatten)]
        scope: ScopeArgs,
        /// The N most frequent values
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// In order of value instead of count
        #[arg(long)]
        by_value: bool,
    },
    /// Seizures per week or month, split by a field, each series against the
    /// period before (default period: the 12 months or 52 weeks to the last seizure)
    Trend {
        /// Split by this parcel field (group, substance, concealment, origin, carrier...)
        #[arg(long, value_name = "FIELD")]
        by: Option<String>,
        /// week or month
        #[arg(long, default_value = "month", value_name = "PERIOD")]
        every: String,
        #[command(flatten)]
        scope: ScopeArgs,
    },
    /// Parcels by origin and destination (and transit), with the share that
    /// held a controlled substance
    Routes {
        #[command(flatten)]
        scope: ScopeArgs,
    },
    /// Substances first found in this notebook in a period, with their parcels
    Emerging {
        #[command(flatten)]
        scope: ScopeArgs,
    },
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// A case to export with everything it reaches (repeatable)
    #[arg(long = "case", value_name = "REF")]
    pub cases: Vec<String>,
    /// Export every case and item in the notebook
    #[arg(long, conflicts_with = "cases")]
    pub all: bool,
    /// Where to write (required for database files)
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Write a Graphviz graph of the case's network instead
    #[arg(long, value_enum)]
    pub graph: Option<GraphFormat>,
    /// Write a STIX 2.1 bundle of the case instead
    #[arg(long, conflicts_with = "graph")]
    pub stix: bool,
    /// Write the case as a MISP event (JSON) instead
    #[arg(long, conflicts_with_all = ["graph", "stix"])]
    pub misp: bool,
    /// Write the incident report of a parcel, or of a case's seized parcels
    /// as one series, instead (text; --format json or csv for the partner
    /// system's fields)
    #[arg(long, value_name = "PARCEL|CASE", conflicts_with_all = ["graph", "stix", "all"])]
    pub incident: Option<String>,
    /// The reporting country in incident reports (ISO code or name)
    #[arg(long, value_name = "CC", requires = "incident")]
    pub country: Option<String>,
    /// The officer or focal point named in incident reports [default: who runs it]
    #[arg(long, value_name = "NAME", requires = "incident")]
    pub focal_point: Option<String>,
    /// The national reference of an incident report [default: the case's reference]
    #[arg(long = "reference", value_name = "REF", requires = "incident")]
    pub national_reference: Option<String>,
    /// Include this TLP:RED item (repeatable); RED items are left out otherwise
    #[arg(long = "include-red", value_name = "REF")]
    pub include_red: Vec<String>,
    /// Let TLP:AMBER+STRICT items go (named in what leaves); without it they are left out
    #[arg(long)]
    pub amber_strict: bool,
    /// With a case export: carry the post's risk profiles and its watchlist
    /// entries of no case too (an --all export always does)
    #[arg(long, conflicts_with_all = ["graph", "stix", "misp", "incident"])]
    pub with_profiles: bool,
    /// Strip source details (source, grading, handling) from notes
    #[arg(long)]
    pub redact_sources: bool,
    /// Encrypt the file to this age recipient (age1..., repeatable)
    #[arg(long = "encrypt-to", value_name = "RECIPIENT")]
    pub encrypt_to: Vec<String>,
    /// Agency named in STIX bundles and incident summaries
    #[arg(long, value_name = "NAME")]
    pub agency: Option<String>,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The exported file (.db, or age-encrypted)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Check the file and report what a merge would do, writing nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Accept, this once, a file signed by a key you do not know (see
    /// `interdict keys trust` to know it for good)
    #[arg(long)]
    pub trust_new: bool,
}

#[derive(Debug, Subcommand)]
pub enum ConflictCmd {
    /// Open conflicts (the default)
    List {
        /// Resolved ones too
        #[arg(long)]
        all: bool,
    },
    /// Both versions of one conflict, field by field
    Show { id: i64 },
    /// Choose a version: the local one stays, or the incoming one replaces it
    Resolve {
        id: i64,
        #[arg(long, value_enum)]
        keep: Keep,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Keep {
    Local,
    Incoming,
}

#[derive(Debug, Subcommand)]
pub enum ImportCmd {
    /// A seizure table: one parcel per row
    Csv(ImportCsvArgs),
    /// A MISP event (JSON) as a case, as `export --misp` writes one
    Misp {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Check and count, write nothing
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Args)]
pub struct ImportCsvArgs {
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Column mapping (TOML); without it, common headers are recognised
    #[arg(long, value_name = "MAP.toml")]
    pub mapping: Option<PathBuf>,
    /// Write the mapping used (recognised or given) here, to edit and reuse
    #[arg(long, value_name = "MAP.toml")]
    pub save_mapping: Option<PathBuf>,
    /// When some rows are bad, import the good ones (bad ones go to the rejects file)
    #[arg(long)]
    pub skip_bad: bool,
    /// Where bad rows go [default: FILE.rejects.csv]
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
    /// The file's text encoding when it is not UTF-8 (e.g. windows-1251)
    #[arg(long, value_name = "NAME")]
    pub encoding: Option<String>,
    /// Field delimiter: one character, or `tab` (`\t`) [default: recognised from the header line]
    #[arg(long, value_name = "CHAR", value_parser = delimiter_char)]
    pub delimiter: Option<char>,
    /// The line the header is on (1 = the first line) [default: found among the first 20 rows, below any title or notes]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub header_row: Option<u64>,
    /// The order of slash dates such as 03/04/2026 [default: told by each date column's other dates]
    #[arg(long, value_name = "dmy|mdy|ymd", value_parser = parse_date_order)]
    pub date_order: Option<crate::domain::fields::DateOrder>,
    /// Check every row and report, writing nothing
    #[arg(long)]
    pub dry_run: bool,
}

fn parse_date_order(s: &str) -> Result<crate::domain::fields::DateOrder, String> {
    s.parse()
}

#[derive(Debug, Subcommand)]
pub enum KeysCmd {
    /// The public signing key (created on first use) that export files are signed with
    Show,
    /// Create an age identity file for receiving encrypted exports; prints its recipient
    NewIdentity {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Know a signer's key: from an export file they signed, or by its fingerprint (SHA256:...) or public key (ed25519:...) with --name
    Trust {
        #[arg(value_name = "FILE|FINGERPRINT|KEY")]
        what: String,
        /// The name its owner signs with (taken from the file when one is given)
        #[arg(long)]
        name: Option<String>,
    },
    /// The signers you know
    List,
    /// Revoke a key (by fingerprint), or every key of a name: files it signs are refused from then on
    Revoke {
        #[arg(value_name = "FINGERPRINT|NAME")]
        what: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT text
    Dot,
    /// An i2 Analyst's Notebook chart (ANX, UTF-16; needs --out)
    Anx,
}

#[derive(Debug, Subcommand)]
pub enum WarnCmd {
    /// The values listed
    List,
    /// List a value: KIND is name, address, phone, email, content, tracking or payment
    Add {
        kind: String,
        value: String,
        /// Why (e.g. "courier hub", "our own post")
        #[arg(long)]
        note: Option<String>,
    },
    /// Unlist a value
    Remove { kind: String, value: String },
}

#[derive(Debug, Subcommand)]
pub enum MatchCmd {
    /// Suggested matches, around one item or across the notebook
    List {
        #[arg(value_name = "REF")]
        target: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Confirm that two items name the same party: a same-as link (recipient-of or sender-of between a person or organisation and a parcel)
    Confirm {
        #[arg(value_name = "A")]
        a: String,
        #[arg(value_name = "B")]
        b: String,
    },
    /// Reject a suggested match; it is not suggested again
    Reject {
        #[arg(value_name = "A")]
        a: String,
        #[arg(value_name = "B")]
        b: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Check the schema, the hash chain, its seals and your checkpoint, every
    /// record against its audit, and the index and search rows against the
    /// records; exit 1 naming what is wrong
    Verify {
        /// Take the log as it stands as your checkpoint, when all it names is
        /// that the log no longer holds the entry your checkpoint does (after
        /// you have looked into it: a file restored from a backup, or a copy
        /// worked on): until then every write leaves the checkpoint where it
        /// was, and says so
        #[arg(long)]
        accept_log: bool,
    },
    /// Show the history of an item, or the latest changes
    Log {
        #[arg(value_name = "REF")]
        target: Option<String>,
        /// At most N entries, the latest [default: 50 of the log; an
        /// item's whole history]
        #[arg(long)]
        limit: Option<usize>,
    },
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(value_enum)]
    pub what: ListKind,
    /// At most N items [default: 50 in a table, all in JSON]
    #[arg(long)]
    pub limit: Option<usize>,
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// Only items of this case (parcels, notes, links)
    #[arg(long = "case", value_name = "REF")]
    pub case: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListKind {
    Cases,
    Parcels,
    Substances,
    Findings,
    Links,
    Notes,
    People,
    #[value(alias = "organizations", alias = "orgs")]
    Organisations,
}

/// Extra fields by name, for fields without a flag of their own.
#[derive(Debug, Args, Default)]
pub struct SetArgs {
    /// field=value for any other field (repeatable; see `interdict fields KIND`)
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    pub set: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum Add {
    /// A case; prints its reference
    Case {
        #[arg(long)]
        title: String,
        #[arg(long)]
        status: Option<String>,
        /// Opening date, YYYY-MM-DD [default: today]
        #[arg(long)]
        opened: Option<String>,
        #[arg(long)]
        lead: Option<String>,
        #[arg(long)]
        summary: Option<String>,
        /// TLP 2.0 label: CLEAR, GREEN, AMBER, AMBER+STRICT, RED [default: AMBER]
        #[arg(long)]
        tlp: Option<String>,
        #[command(flatten)]
        extra: SetArgs,
    },
    /// A parcel; prints its tracking number
    Parcel(Box<AddParcel>),
    /// A substance not in the catalogue
    Substance {
        #[arg(long)]
        name: String,
        /// Synonyms and street names, separated by ;
        #[arg(long)]
        synonyms: Option<String>,
        /// UNODC chemical group (see `interdict fields substance`)
        #[arg(long)]
        group: Option<String>,
        #[arg(long)]
        cas: Option<String>,
        #[command(flatten)]
        extra: SetArgs,
    },
    /// A substance found in a parcel
    Finding {
        #[arg(long, value_name = "REF")]
        parcel: String,
        #[arg(long, value_name = "REF")]
        substance: String,
        /// powder, tablets, capsules, blotters, liquid, e-liquid, herbal-material, crystals, other
        #[arg(long)]
        form: Option<String>,
        #[arg(long)]
        quantity: Option<String>,
        #[arg(long)]
        unit: Option<String>,
        #[command(flatten)]
        extra: SetArgs,
    },
    /// A note or lead on any item; prints its id
    Note {
        /// The item the note is about
        #[arg(long, value_name = "REF")]
        on: String,
        #[arg(long)]
        text: String,
        /// Mark it as a lead to follow up
        #[arg(long)]
        lead: bool,
        /// 3x5x2 grading: source 1-3, intelligence A-E, handling P/C (e.g. 2B or 2BP)
        #[arg(long)]
        grade: Option<String>,
        /// Where the information came from
        #[arg(long)]
        source: Option<String>,
        /// Date, YYYY-MM-DD [default: today]
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        tlp: Option<String>,
        #[command(flatten)]
        extra: SetArgs,
    },
    /// A person (sender, recipient, courier, buyer...); prints their name
    Person {
        /// Name as written, in any script
        #[arg(long)]
        name: String,
        /// Another name or spelling (repeatable)
        #[arg(long = "alias")]
        aliases: Vec<String>,
        /// Date of birth, YYYY-MM-DD
        #[arg(long)]
        born: Option<String>,
        /// Nationality (ISO code)
        #[arg(long)]
        nationality: Option<String>,
        /// An identity document, e.g. "passport KZ N1234567" (repeatable)
        #[arg(long = "document")]
        documents: Vec<String>,
        /// A phone number (repeatable)
        #[arg(long = "phone")]
        phones: Vec<String>,
        /// An address (repeatable)
        #[arg(long = "address")]
        addresses: Vec<String>,
        /// Handles, e-mail, web sites, cards, IBANs, wallets (free text)
        #[arg(long)]
        contacts: Option<String>,
        /// What they do (buyer, courier, organiser...)
        #[arg(long)]
        role: Option<String>,
        #[arg(long)]
        tlp: Option<String>,
        #[command(flatten)]
        extra: SetArgs,
    },
    /// An organisation: an online shop, company, forwarder...; prints its name
    #[command(alias = "organization", alias = "org")]
    Organisation {
        #[arg(long)]
        name: String,
        /// shop, marketplace, company, forwarder, courier, bank, exchange, laboratory, other [default: shop]
        #[arg(long = "type")]
        org_type: Option<String>,
        /// Another name (repeatable)
        #[arg(long = "alias")]
        aliases: Vec<String>,
        /// Country (ISO code)
        #[arg(long)]
        country: Option<String>,
        /// A phone number (repeatable)
        #[arg(long = "phone")]
        phones: Vec<String>,
        /// An address (repeatable)
        #[arg(long = "address")]
        addresses: Vec<String>,
        /// Handles, channels, web and .onion sites, e-mail, payment ids (free text)
        #[arg(long)]
        contacts: Option<String>,
        #[arg(long)]
        description: Option<String>,
        #[arg(long)]
        tlp: Option<String>,
        #[command(flatten)]
        extra: SetArgs,
    },
    /// A typed link between two items; prints its id
    Link {
        #[arg(value_name = "FROM")]
        from: String,
        #[arg(value_name = "TO")]
        to: String,
        /// includes, related-to, same-sender-as, same-recipient-as, same-as, sent-with, analogue-of, precursor-of, mentions, sender-of, recipient-of, member-of, operates, paid, arrested, other
        #[arg(long = "type", default_value = "related-to")]
        link_type: String,
        /// Why the items are linked
        #[arg(long)]
        note: Option<String>,
        /// 3x5x2 grading, e.g. 2B
        #[arg(long)]
        grade: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct AddParcel {
    /// S10 number (RR123456785KZ) or courier waybill
    #[arg(long)]
    pub tracking: String,
    #[arg(long)]
    pub carrier: Option<String>,
    #[arg(long)]
    pub service: Option<String>,
    /// Origin country (ISO code)
    #[arg(long)]
    pub origin: Option<String>,
    /// Transit countries in order, e.g. TR,AE
    #[arg(long)]
    pub transit: Option<String>,
    /// Destination country (ISO code)
    #[arg(long)]
    pub destination: Option<String>,
    #[arg(long)]
    pub sender_name: Option<String>,
    #[arg(long)]
    pub sender_address: Option<String>,
    #[arg(long)]
    pub sender_phone: Option<String>,
    #[arg(long)]
    pub sender_email: Option<String>,
    #[arg(long)]
    pub recipient_name: Option<String>,
    #[arg(long)]
    pub recipient_address: Option<String>,
    #[arg(long)]
    pub recipient_phone: Option<String>,
    #[arg(long)]
    pub recipient_email: Option<String>,
    /// Declared contents, as on the customs declaration
    #[arg(long)]
    pub declared: Option<String>,
    /// Declared value
    #[arg(long)]
    pub value: Option<String>,
    /// Currency of the declared value (ISO 4217)
    #[arg(long)]
    pub currency: Option<String>,
    #[arg(long)]
    pub hs_code: Option<String>,
    /// Weight in grams, or with its unit (450 g, 0,45 kg)
    #[arg(long)]
    pub weight: Option<String>,
    #[arg(long)]
    pub concealment: Option<String>,
    /// What was actually found
    #[arg(long)]
    pub found: Option<String>,
    /// targeted, inspected, seized, controlled-delivery, released
    #[arg(long)]
    pub status: Option<String>,
    #[arg(long)]
    pub seized_place: Option<String>,
    #[arg(long)]
    pub seized_on: Option<String>,
    /// Put the parcel in this case
    #[arg(long = "case", value_name = "REF")]
    pub case: Option<String>,
    #[command(flatten)]
    pub extra: SetArgs,
}

/// A delimiter as typed: one character, or a tab named (`tab`, `\t`,
/// as a shell passes `'\t'`), which clap's one character refused.
/// A number of steps through the connections: at least one (none would
/// connect nothing, and was taken for one).
fn steps(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("at least 1 step (1: direct connections)".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{s:?} is not a number of steps")),
    }
}

fn delimiter_char(s: &str) -> Result<char, String> {
    match s {
        "tab" | "TAB" | "\\t" => Ok('\t'),
        _ => {
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Ok(c),
                _ => Err(format!("{s:?}: one character such as , or ; (or `tab`)")),
            }
        }
    }
}

#[cfg(test)]
mod delimiter_tests {
    /// A tab is named `tab` or `\t`; one character is itself; more is
    /// refused, naming what was typed.
    #[test]
    fn a_delimiter_is_one_character_or_a_tab_named() {
        for tab in ["tab", "\\t", "\t"] {
            assert_eq!(super::delimiter_char(tab), Ok('\t'), "{tab:?}");
        }
        assert_eq!(super::delimiter_char(";"), Ok(';'));
        assert!(super::delimiter_char(";;").unwrap_err().contains("\";;\""));
    }
}
