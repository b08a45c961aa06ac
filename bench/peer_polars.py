#!/usr/bin/env python3
"""The peer: the benchmark's refresh written the way a data engineer would without consent-refresh,
with Polars (DataFrames, lazy where it helps, no SQL). Same job on the same files: normalise keys,
placeholders, connected components (min-label propagation with pointer jumping) with the cluster-size
guard, first-non-empty attributes by source priority, one fact per consent id, latest-wins / deny-on-tie
effective consent with opt-in/opt-out defaults, the four benchmark segments, and their export files.

Usage: peer_polars.py DATASET_DIR [--format csv|parquet] [--out RESULT.json] [--threads N]
Installs polars into bench/.pydeps when it is missing (pip install --target).
"""
import importlib
import json
import os
import resource
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
DEPS = os.path.join(HERE, ".pydeps")


def ensure_polars():
    sys.path.insert(0, DEPS)
    try:
        import polars  # noqa: F401
    except ImportError:
        subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "--target", DEPS, "polars"])
        # The folder did not exist when the first import looked: forget that, or the import fails again.
        importlib.invalidate_caches()
        sys.path_importer_cache.pop(DEPS, None)


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    dataset = args[0]
    fmt = args[args.index("--format") + 1] if "--format" in args else "csv"
    out = args[args.index("--out") + 1] if "--out" in args else None
    if "--threads" in args:
        os.environ["POLARS_MAX_THREADS"] = args[args.index("--threads") + 1]
    ensure_polars()
    import polars as pl

    started = time.perf_counter()
    run_started = datetime.now(timezone.utc).replace(tzinfo=None)
    stage_ms = {}
    mark = [time.perf_counter()]

    def lap(name):
        now = time.perf_counter()
        stage_ms[name] = round((now - mark[0]) * 1000)
        mark[0] = now

    purposes = {"Newsletter": "opt-in", "Product updates": "opt-in", "Sale of data": "opt-out", "Profiling": "opt-in"}
    max_cluster = 50
    placeholder_emails = ["test@test.com", "test@example.com", "noemail@noemail.com", "none@none.com", "na@na.com",
                          "no@email.com", "unknown@unknown.com", "email@email.com"]
    email_pattern = ("^(no|none|noemail|no-email|no_email|no\\.email|nomail|no-mail|no\\.mail|donotreply|do-not-reply|noreply|no-reply|unknown"
                     "|null|nil|na|n/a|nobody|dummy|fake|invalid|declined|refused|notprovided|not-provided|not_provided|not\\.provided"
                     "|noaddress|noname|keine|kein|keinemail|keine-email|keine\\.email|unbekannt|ohne|n\\.a|n\\.v|k\\.a|keineangabe|keine-angabe|keine\\.angabe)@|^[^@]*$|^[^\\p{L}\\p{N}]*@|@[^\\p{L}\\p{N}]*$")
    phone_pattern = (r"^0+$|^(?:0{2,}|1{2,}|2{2,}|3{2,}|4{2,}|5{2,}|6{2,}|7{2,}|8{2,}|9{2,})$|^1234567890?$|^0123456789$|^\d{1,5}$"
                     r"|^(?:00)?\d{0,3}0{6,}\d{0,4}$|^(?:00)?\d{1,3}(?:1{9,}|2{9,}|3{9,}|4{9,}|5{9,}|6{9,}|7{9,}|8{9,}|9{9,})$"
                     r"|^(?:00)?\d{0,3}0?1234567890?$")

    def read(name):
        path = os.path.join(dataset, "data", f"{name}.{fmt}")
        if fmt == "csv":
            return pl.scan_csv(path, infer_schema=False).with_row_index("row_no", offset=1)
        return pl.scan_parquet(path).with_row_index("row_no", offset=1)

    def clean(col):
        return pl.col(col).str.strip_chars().replace("", None)

    def norm_email(col):
        # NFC, trimmed, lower-cased; mailto:, a display name's <...> and trailing dots removed (as core/sql/normalise.ts).
        # Polars evaluates every branch of when/then, so this is written as plain passes over all values.
        e = pl.col(col).str.strip_chars().str.normalize("NFC").str.to_lowercase()
        inner = pl.coalesce(e.str.extract(r"<([^<>]*@[^<>]*)>", 1), e)
        return inner.str.strip_prefix("mailto:").str.strip_chars_end(".").str.strip_chars().replace("", None)

    def norm_phone(col):
        # Digits only; scientific notation is no key; an international number's (0) is dropped.
        p = pl.col(col)
        international = p.str.contains(r"^[^0-9+]*(\+|00)")
        cleaned = pl.when(p.str.contains("(", literal=True) & international).then(p.str.replace_all(r"\(\s*0\s*\)", "")).otherwise(p)
        digits = cleaned.str.replace_all(r"[^0-9]", "").replace("", None)
        return pl.when(p.str.contains(r"^\s*[0-9]+([.,][0-9]+)?[eE]\+?[0-9]+\s*$")).then(None).otherwise(digits)

    def decision_time():
        # A date-only denial (no time written) counts at the end of its day: against a timed record that day
        # it is a tie the denial wins. An explicit 00:00 is a time.
        d = pl.col("consent_date")
        date_only = ~pl.col("date_text").str.contains(":")
        return pl.when(~pl.col("granted") & date_only).then(d + pl.duration(microseconds=86_399_999_999)).otherwise(d)

    # ---- import ----------------------------------------------------------------------------------
    def row_emails(name, pk):
        # Every row's email, duplicates of a record id included: a later row's email is a key of the record
        # (it takes no part in matching, but consent keyed by it reaches the record).
        lf = read(name).with_columns(clean(pk).alias("record_id")).filter(pl.col("record_id").is_not_null())
        return lf.select(pl.lit(name).alias("source"), "record_id", norm_email("email").alias("email"))

    def profiles(name, rank, pk, attrs):
        lf = read(name).with_columns(clean(pk).alias("record_id"))
        lf = lf.filter(pl.col("record_id").is_not_null()).unique("record_id", keep="first", maintain_order=True)
        return lf.select(
            pl.lit(name).alias("source"), pl.lit(rank).alias("source_rank"), "record_id", pl.col("row_no").cast(pl.Int64),
            norm_email("email").alias("email"), norm_phone("phone").alias("phone"),
            *[clean(a).alias(a) for a in attrs],
        )

    crm = profiles("crm", 0, "contact_id", ["first_name", "last_name", "country"])
    shop = profiles("shop", 1, "customer_id", ["first_name", "country", "loyalty_tier"])
    declared = pl.DataFrame({"purpose_key": [p.lower() for p in purposes], "purpose": list(purposes)})
    granted_words = ["true", "yes", "y", "1", "granted", "opt-in", "opted-in"]
    denied_words = ["false", "no", "n", "0", "denied", "opt-out", "opted-out", "withdrawn", "revoked"]
    word = pl.col("consent_value").str.strip_chars().str.to_lowercase().str.replace_all(r"[\s_]+", "-")
    date_text = clean("consent_date")
    consent = (
        read("consent")
        .with_columns(
            clean("consent_id").alias("cid"),
            norm_email("email").alias("key_value"),
            pl.col("consent_option").str.strip_chars().str.to_lowercase().alias("purpose_key"),
            pl.when(word.is_in(granted_words)).then(True).when(word.is_in(denied_words)).then(False).otherwise(None).alias("granted"),
            date_text.alias("date_text"),
        )
        .with_columns(
            pl.coalesce(
                pl.col("date_text").str.to_datetime("%Y-%m-%dT%H:%M:%SZ", strict=False),
                pl.col("date_text").str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us")),
            ).alias("consent_date")
        )
        .join(declared.lazy(), on="purpose_key", how="left")
        .filter(
            pl.col("cid").is_not_null() & pl.col("key_value").is_not_null() & pl.col("purpose").is_not_null()
            & pl.col("granted").is_not_null() & (pl.col("date_text").is_null() | pl.col("consent_date").is_not_null())
        )
        # One fact per consent id, key and purpose: the row that would win (latest date, undated oldest, deny on tie, later row).
        .with_columns(decision_time().alias("decision_time"))
        .sort(["decision_time", "granted", "row_no"], descending=[True, False, True], nulls_last=True)
        .unique(["cid", "key_value", "purpose"], keep="first")
        .select("cid", "row_no", "key_value", "purpose", "granted", "consent_date", "decision_time")
    )
    all_emails = pl.concat([row_emails("crm", "contact_id"), row_emails("shop", "customer_id")])
    records, consent, all_emails = pl.collect_all([pl.concat([crm, shop], how="diagonal"), consent, all_emails])
    records = records.with_row_index("rid")
    lap("import")

    # ---- unify -----------------------------------------------------------------------------------
    # The product's built-in "local part repeats the domain" check (x@x.com, 123@123.com, test@test.de): the
    # local part equals the domain's first label and is one character, digits or a filler word.
    parts = pl.col("email").str.split("@")
    local = parts.list.get(0, null_on_oob=True)
    filler_words = ["test", "abc", "asdf", "qwerty", "xxx", "aaa", "xyz", "email", "mail", "sample", "example", "demo"]
    local_repeats_domain = (local == parts.list.get(1, null_on_oob=True).str.split(".").list.first()) & (
        (local.str.len_chars() == 1) | local.str.contains(r"^[0-9]+$") | local.is_in(filler_words))
    records = records.with_columns(
        (pl.col("email").is_in(placeholder_emails) | pl.col("email").str.contains(email_pattern) | local_repeats_domain).fill_null(False).alias("email_ph"),
        pl.col("phone").str.contains(phone_pattern).fill_null(False).alias("phone_ph"),
    )
    keys = pl.concat([
        records.filter(pl.col("email").is_not_null() & ~pl.col("email_ph")).select("rid", pl.lit("e").alias("kind"), pl.col("email").alias("value")),
        records.filter(pl.col("phone").is_not_null() & ~pl.col("phone_ph")).select("rid", pl.lit("p").alias("kind"), pl.col("phone").alias("value")),
    ])
    hubs = keys.group_by("kind", "value").agg(pl.col("rid").min().alias("hub"), pl.len().alias("n")).filter(pl.col("n") > 1)
    edges = keys.join(hubs, on=["kind", "value"]).filter(pl.col("rid") != pl.col("hub")).select(pl.col("rid").alias("a"), pl.col("hub").alias("b"))
    both = pl.concat([edges, edges.select(pl.col("b").alias("a"), pl.col("a").alias("b"))])
    labels = both.select(pl.col("a").alias("node")).unique().with_columns(pl.col("node").alias("label"))
    iterations = 0
    while True:
        iterations += 1
        # min over neighbours' labels, then a pointer jump (label := label[label]).
        propagated = (
            both.join(labels, left_on="b", right_on="node").group_by("a").agg(pl.col("label").min().alias("nl"))
            .join(labels, left_on="a", right_on="node")
            .select(pl.col("a").alias("node"), pl.min_horizontal("label", "nl").alias("label"))
        )
        jumped = propagated.join(propagated.rename({"node": "label", "label": "jump"}), on="label", how="left").select(
            "node", pl.min_horizontal("label", pl.col("jump").fill_null(pl.col("label"))).alias("label")
        )
        changed = jumped.join(labels, on="node").filter(pl.col("label") != pl.col("label_right")).height
        labels = jumped
        if changed == 0:
            break
    clusters = records.select("rid").join(labels, left_on="rid", right_on="node", how="left").with_columns(
        pl.col("label").fill_null(pl.col("rid")).alias("component")
    )
    clusters = clusters.with_columns(pl.len().over("component").alias("size")).select(
        "rid", pl.when(pl.col("size") > max_cluster).then(pl.col("rid")).otherwise(pl.col("component")).alias("customer")
    )
    records = records.join(clusters, on="rid")
    attrs = ["email", "first_name", "last_name", "country", "loyalty_tier"]
    customers = (
        records.sort(["source_rank", "row_no"])
        .group_by("customer")
        .agg([pl.col(a).drop_nulls().first().alias(a) for a in attrs] + [pl.len().alias("record_count")])
    )
    email_placeholder = (pl.col("email").is_in(placeholder_emails) | pl.col("email").str.contains(email_pattern) | local_repeats_domain).fill_null(False)
    customer_keys = (
        all_emails.filter(pl.col("email").is_not_null())
        .join(records.select("source", "record_id", "customer"), on=["source", "record_id"])
        .select("customer", pl.col("email").alias("key_value"), email_placeholder.alias("ph"))
        .unique(["customer", "key_value"])
    )
    owners = customer_keys.filter(~pl.col("ph")).with_columns(pl.len().over("key_value").alias("owners"))
    # A grant dated more than a day after the run started is never applied.
    future = pl.col("granted") & (pl.col("consent_date") > pl.lit(run_started + timedelta(days=1)))
    facts = consent.join(owners.select("customer", "key_value", "owners"), on="key_value").filter(
        ((pl.col("owners") == 1) | ~pl.col("granted")) & ~future.fill_null(False)
    )
    # Latest wins; undated oldest; deny wins a tie.
    effective = (
        facts.with_columns((~pl.col("granted")).alias("deny"))
        .sort(["decision_time", "deny"], nulls_last=False)
        .group_by("customer", "purpose")
        .agg(pl.col("granted").last())
    )
    wide = effective.pivot(on="purpose", index="customer", values="granted")
    customers = customers.join(wide, on="customer", how="left").with_columns(
        [
            (pl.col(p) if p in wide.columns else pl.lit(None, dtype=pl.Boolean)).fill_null(regime == "opt-out").alias(p)
            for p, regime in purposes.items()
        ]
    )
    lap("unify")

    # ---- segments --------------------------------------------------------------------------------
    lower = lambda c: pl.col(c).str.strip_chars().str.to_lowercase()  # noqa: E731
    segments = {
        "newsletter": pl.col("Newsletter"),
        "product-updates-de": pl.col("Product updates") & (lower("country") == "de").fill_null(False),
        "sale-of-data": pl.col("Sale of data"),
        "profiling-gold": pl.col("Profiling") & lower("loyalty_tier").is_in(["gold", "platinum"]).fill_null(False),
    }
    members = {name: customers.filter(rule) for name, rule in segments.items()}
    counts = {name: frame.height for name, frame in members.items()}
    lap("segments")

    # ---- exports ---------------------------------------------------------------------------------
    guard = {"newsletter": "Newsletter", "product-updates-de": "Product updates", "sale-of-data": "Sale of data", "profiling-gold": "Profiling"}
    formats = {"newsletter": "csv", "product-updates-de": "parquet", "sale-of-data": "csv", "profiling-gold": "parquet"}
    export_dir = os.path.join(dataset, "peer-exports")
    os.makedirs(export_dir, exist_ok=True)
    exported = {}
    for name, frame in members.items():
        rows = frame.filter(pl.col(guard[name])).select(
            pl.format("c{}", pl.col("customer")).alias("customer_id"), "email", "first_name", "country"
        ).sort("customer_id")
        target = os.path.join(export_dir, f"{name}.{formats[name]}")
        if formats[name] == "csv":
            rows.write_csv(target)
        else:
            rows.write_parquet(target)
        exported[name] = rows.height
    lap("exports")

    total_ms = round((time.perf_counter() - started) * 1000)
    result = {
        "tool": "polars",
        "polarsVersion": pl.__version__,
        "threads": pl.thread_pool_size(),
        "format": fmt,
        "stageMs": stage_ms,
        "totalMs": total_ms,
        "profileRecords": records.height,
        "customers": customers.height,
        "consentFacts": consent.height,
        "ccIterations": iterations,
        "segments": counts,
        "exports": exported,
        "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }
    text = json.dumps(result)
    if out:
        with open(out, "w") as handle:
            handle.write(text)
    print(text)


if __name__ == "__main__":
    main()
