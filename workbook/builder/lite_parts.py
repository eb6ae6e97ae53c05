"""The parts that attach xlwings Lite to a workbook and carry its code.

As in the workbooks xlwings Lite saves (public examples: amararun/xlwings-lite-apps-codes-docs)
and as MS-OWEXML specifies them: ``xl/webextensions/webextension1.xml`` refers to the add-in
in the Office store (``wa200008175``) and holds ``main.py`` and ``requirements.txt`` as
document settings, each value a JSON string (XML-escaped in the attribute); its extension
list says that the workbook uses the add-in's custom functions and lists their ids,
``_xldudf_<NAME>``, as Excel writes them (public repro:
evelyn-chrono/officejs-custom-functions-name-error-repro). ``taskpanes.xml`` docks the
add-in's task pane on the right, open, so the editor (and Python) starts with the workbook.

Left out: the ``pyodideVersion`` and ``addinVersion`` settings Lite writes when it saves
(this file has never been saved by Lite; Lite picks its own versions).
"""

from __future__ import annotations

import json
from xml.sax.saxutils import escape

WEB_EXTENSION = "xl/webextensions/webextension1.xml"
TASKPANES = "xl/webextensions/taskpanes.xml"
TASKPANES_RELS = "xl/webextensions/_rels/taskpanes.xml.rels"
TASKPANES_REL_TYPE = "http://schemas.microsoft.com/office/2011/relationships/webextensiontaskpanes"
EXTENSION_ID = "{5C3F8A61-2B0E-4E0B-9C1D-6A70D1B2E7A4}"  # this workbook's own, fixed: builds are identical

WE = "http://schemas.microsoft.com/office/webextensions/webextension/2010/11"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def setting(text: str) -> str:
    """A document setting's attribute value: the text as a JSON string, XML-escaped."""
    return escape(json.dumps(text, ensure_ascii=False), {'"': "&quot;"})


def web_extension(settings: dict[str, str], functions: list[str]) -> str:
    properties = "".join(f'<we:property name="{escape(k)}" value="{setting(v)}"/>' for k, v in settings.items())
    ids = "".join(f"<we:customFunctionIds>_xldudf_{name}</we:customFunctionIds>" for name in functions)
    return (
        f'{XML_HEAD}<we:webextension xmlns:we="{WE}" id="{EXTENSION_ID}">'
        '<we:reference id="wa200008175" version="1.0.0.0" store="en-US" storeType="OMEX"/>'
        '<we:alternateReferences><we:reference id="WA200008175" version="1.0.0.0" store="WA200008175" '
        'storeType="OMEX"/></we:alternateReferences>'
        f"<we:properties>{properties}</we:properties><we:bindings/>"
        f'<we:snapshot xmlns:r="{R}"/>'
        f'<we:extLst><a:ext xmlns:a="{A}" uri="{{D87F86FE-615C-45B5-9D79-34F1136793EB}}"><we:containsCustomFunctions/>'
        f'</a:ext><a:ext xmlns:a="{A}" uri="{{7C84B067-C214-45C3-A712-C9D94CD141B2}}"><we:customFunctionIdList>'
        f"{ids}</we:customFunctionIdList></a:ext></we:extLst></we:webextension>"
    )


TASKPANES_XML = (
    f'{XML_HEAD}<wetp:taskpanes xmlns:wetp="http://schemas.microsoft.com/office/webextensions/taskpanes/2010/11">'
    '<wetp:taskpane dockstate="right" visibility="1" width="438" row="3">'
    f'<wetp:webextensionref xmlns:r="{R}" r:id="rId1"/></wetp:taskpane></wetp:taskpanes>'
)
TASKPANES_RELS_XML = (
    f'{XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.microsoft.com/office/2011/relationships/webextension" '
    'Target="webextension1.xml"/></Relationships>'
)
CONTENT_TYPES = (
    f'<Override PartName="/{TASKPANES}" ContentType="application/vnd.ms-office.webextensiontaskpanes+xml"/>'
    f'<Override PartName="/{WEB_EXTENSION}" ContentType="application/vnd.ms-office.webextension+xml"/>'
)
ROOT_REL = f'<Relationship Id="rIdXlwingsLite" Type="{TASKPANES_REL_TYPE}" Target="{TASKPANES}"/>'


def parts(settings: dict[str, str], functions: list[str]) -> dict[str, str]:
    """The new parts, by name."""
    return {
        WEB_EXTENSION: web_extension(settings, functions),
        TASKPANES: TASKPANES_XML,
        TASKPANES_RELS: TASKPANES_RELS_XML,
    }


def amend(name: str, data: bytes) -> bytes:
    """An existing part with the content types and the package relationship added."""
    if name == "[Content_Types].xml":
        return data.replace(b"</Types>", CONTENT_TYPES.encode() + b"</Types>")
    if name == "_rels/.rels":
        return data.replace(b"</Relationships>", ROOT_REL.encode() + b"</Relationships>")
    return data
