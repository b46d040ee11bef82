"""Speed of the cross-segment checks (MT5xx): 100,000 bilingual units and a 5,000-term glossary.

    python benchmarks/bench_consistency.py                 # the MT5xx family, end to end through the CLI
    python benchmarks/bench_consistency.py --select DEFAULT --units 20000
    python benchmarks/bench_consistency.py --format po   # PO files (polib reads them: slower)

Generates, in a temporary directory, a project (German source, English target) of
``--files`` TSV or PO files holding ``--units`` units in all, built from a 5,000-term glossary of
compound terms (CSV: source, target, forbidden) and a do-not-translate list of product
names, with the slips the checks look for: a term translated against the glossary, a
forbidden term, a product name respelled, a source translated two ways, a name spelled two
ways. Prints the wall time of ``mtqa check`` on the project (JSON report to a file) and the
findings by code; nothing is written to the repository.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

# German word parts and their English renderings; terms are compounds of two ("Dateispeicher": "file memory").
PARTS = {
    "Datei": "file", "Speicher": "memory", "Netz": "network", "Rechner": "computer", "Drucker": "printer",
    "Konto": "account", "Kennwort": "password", "Ordner": "folder", "Fenster": "window", "Tasten": "key",
    "Bild": "image", "Ton": "sound", "Schrift": "font", "Seiten": "page", "Zeilen": "line", "Spalten": "column",
    "Tabellen": "table", "Daten": "data", "Bank": "bank", "Nutzer": "user", "Gruppen": "group", "Rechte": "permission",
    "Sicherungs": "backup", "Lauf": "drive", "Karten": "card", "Schnitt": "interface", "Stelle": "point",
    "Verbindungs": "connection", "Server": "server", "Dienst": "service", "Zugriffs": "access", "Fehler": "error",
    "Meldungs": "message", "Protokoll": "log", "Bericht": "report", "Vorlage": "template", "Entwurf": "draft",
    "Farb": "colour", "Rand": "margin", "Abstand": "spacing", "Menü": "menu", "Leisten": "bar", "Knopf": "button",
    "Feld": "field", "Listen": "list", "Baum": "tree", "Knoten": "node", "Zweig": "branch", "Wurzel": "root",
    "Pfad": "path", "Adress": "address", "Post": "mail", "Nachrichten": "news", "Kalender": "calendar",
    "Termin": "appointment", "Aufgaben": "task", "Projekt": "project", "Zeit": "time", "Plan": "schedule",
    "Kosten": "cost", "Preis": "price", "Steuer": "tax", "Rechnungs": "invoice", "Zahlungs": "payment",
    "Kunden": "customer", "Liefer": "delivery", "Lager": "stock", "Waren": "goods", "Korb": "basket",
    "Such": "search", "Filter": "filter", "Sortier": "sort", "Export": "export", "Import": "import",
}
PRODUCTS = ["GitHub", "PowerPoint", "OneDrive", "YouTube", "WordPress", "JavaScript", "PostgreSQL", "LinkedIn"]
NAMES = [("Grushko", "Gruschko"), ("Al Jazeera", "Al Jazira"), ("Zelenskyy", "Zelensky"), ("Navalny", "Nawalny")]
SOURCE_FRAMES = ["Öffnen Sie den {t}.", "Der {t} ist nicht verfügbar.", "Wählen Sie einen {t} aus.",
                 "Der {t} wurde gespeichert.", "Prüfen Sie den {t} in {p}.", "Löschen Sie den {t}, bevor Sie {p} schließen."]
TARGET_FRAMES = ["Open the {t}.", "The {t} is not available.", "Select a {t}.", "The {t} was saved.",
                 "Check the {t} in {p}.", "Delete the {t} before you close {p}."]


def glossary(count: int) -> list[tuple[str, str, str]]:
    """``count`` compound terms: (German source, English target, a forbidden English variant)."""
    rows = []
    for (de1, en1), (de2, en2) in itertools.product(PARTS.items(), repeat=2):
        if de1 == de2:
            continue
        rows.append((de1 + de2.lower(), f"{en1} {en2}", f"{en2} of the {en1}"))
        if len(rows) == count:
            break
    return rows


def units(count: int, terms: list[tuple[str, str, str]], rng: random.Random) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for i in range(count):
        if out and rng.random() < 0.2:  # a repeated source, now and then translated another way
            source, target = rng.choice(out)
            out.append((source, target if rng.random() < 0.9 else target.replace("the", "this", 1)))
            continue
        source_term, target_term, forbidden = rng.choice(terms)
        frame = rng.randrange(len(SOURCE_FRAMES))
        product = rng.choice(PRODUCTS)
        written_product = product if rng.random() < 0.98 else product.capitalize()
        slip = rng.random()
        rendered = forbidden if slip < 0.01 else "item" if slip < 0.02 else target_term
        target = TARGET_FRAMES[frame].format(t=rendered, p=written_product)
        source = SOURCE_FRAMES[frame].format(t=source_term, p=product)
        if rng.random() < 0.05:
            name, variant = rng.choice(NAMES)
            shown = variant if rng.random() < 0.1 else name
            source, target = f"{source} Laut {name}.", f"{target} According to {shown}."
        out.append((source, target))
    return out


def po_file(entries: list[tuple[str, str]]) -> str:
    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    head = 'msgid ""\nmsgstr ""\n"Language: en\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
    seen: set[str] = set()
    body = []
    for i, (source, target) in enumerate(entries):
        context = f"msgctxt \"u{i}\"\n" if source in seen else ""
        seen.add(source)
        body.append(f"{context}msgid {quoted(source)}\nmsgstr {quoted(target)}\n")
    return head + "\n".join(body)


def tsv_file(entries: list[tuple[str, str]]) -> str:
    return "source\ttarget\n" + "".join(f"{source}\t{target}\n" for source, target in entries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--terms", type=int, default=5_000)
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--select", default="MT5")
    parser.add_argument("--format", choices=("tsv", "po"), default="tsv")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    terms = glossary(args.terms)
    generated = units(args.units, terms, rng)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "po").mkdir()
        per_file = -(-len(generated) // args.files)
        for n in range(args.files):
            chunk = generated[n * per_file : (n + 1) * per_file]
            text = po_file(chunk) if args.format == "po" else tsv_file(chunk)
            (root / "po" / f"part{n:02d}.{args.format}").write_text(text, encoding="utf-8")
        with open(root / "terms.csv", "w", encoding="utf-8") as out:
            out.write("source,target,forbidden\n" + "".join(f"{s},{t},{f}\n" for s, t, f in terms))
        (root / "dnt.txt").write_text("\n".join(PRODUCTS) + "\n", encoding="utf-8")
        command = [sys.executable, "-m", "mtqa", "check", str(root / "po"), "--src-lang", "de", "--select", args.select,
                   "--glossary", str(root / "terms.csv"), "--dnt", str(root / "dnt.txt"),
                   "--format", "json", "-o", str(root / "report.json"), "-q"]
        load_before = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy())
        elapsed = time.perf_counter() - started
        if done.returncode == 2:
            sys.exit(f"mtqa check failed: {done.stderr.strip()}")
        report = json.loads((root / "report.json").read_text(encoding="utf-8"))
    codes = Counter(report["summary"]["by_code"])
    print(f"units: {len(generated):,} in {args.files} {args.format.upper()} files; glossary: {len(terms):,} terms; "
          f"dnt: {len(PRODUCTS)} terms; --select {args.select}")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"mtqa check wall time: {elapsed:.2f} s ({len(generated) / elapsed:,.0f} units/s); "
          f"CPU cores: {os.cpu_count()}; load average before/after: {load_before} / {load}")
    print("findings by code: " + ", ".join(f"{code} {n:,}" for code, n in sorted(codes.items())))


if __name__ == "__main__":
    main()
