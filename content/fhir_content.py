"""Shared by the content generators (content/*/generate.py): the metadata every
shipped definition carries, the CodeSystem frame, and writing one JSON file
per resource. Change a date or the publisher here, for all of them."""

import json
import os

BASE = "https://parcours.example.fr/fhir"
CS = BASE + "/CodeSystem/"
DATE = "2026-11-26"
VERSION = "1.0.0"
PUBLISHER = "Parcours"


def coding(system, code, display):
    return {"system": system, "code": code, "display": display}


def code_system(id_, name, title, description, concepts, properties=None):
    """concepts: the CodeSystem.concept list, as dicts."""
    cs = {
        "resourceType": "CodeSystem",
        "id": id_,
        "language": "fr-FR",
        "url": CS + id_,
        "version": VERSION,
        "name": name,
        "title": title,
        "status": "active",
        "experimental": False,
        "date": DATE,
        "publisher": PUBLISHER,
        "description": description,
        "caseSensitive": True,
        "content": "complete",
    }
    if properties:
        cs["property"] = properties
    cs["count"] = len(concepts)
    cs["concept"] = concepts
    return cs


def plain_concepts(concepts):
    """[(code, display, definition-or-None)] -> CodeSystem.concept dicts."""
    return [dict({"code": c, "display": d}, **({"definition": df} if df else {})) for c, d, df in concepts]


def write(folder, resource):
    """Writes <folder>/<resourceType>-<id>.json (UTF-8, indented, final newline)."""
    path = os.path.join(folder, f"{resource['resourceType']}-{resource['id']}.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(resource, f, ensure_ascii=False, indent=2)
        f.write("\n")
