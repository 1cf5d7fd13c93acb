"""Writes the demo PDF fixture (a one-page PDF 1.4 with text, byte-exact xref offsets).

Usage: python3 scripts/make-demo-pdf.py fixtures/product-spec-sheet-v17.pdf
"""
import sys

LINES = [
    ("F2", 18, "ThermaCore SP100 Insulated Wall Panel"),
    ("F1", 11, "Product Specification Sheet - Version 17 - Issued 2025-11-04"),
    ("F1", 11, ""),
    ("F2", 12, "Manufacturer"),
    ("F1", 10, "Northgate Building Systems Pty Ltd, ABN 12 345 678 901"),
    ("F1", 10, "Plant: 14 Foundry Road, Geelong VIC 3220, Australia"),
    ("F1", 10, "Website: https://northgate.example/thermacore"),
    ("F1", 10, ""),
    ("F2", 12, "Product identification"),
    ("F1", 10, "Product code: TC-SP100-100   GTIN: 09312345000012   Batch: B2025-311"),
    ("F1", 10, "Category: Insulated sandwich panel for external walls (UNSPSC 30161500)"),
    ("F1", 10, ""),
    ("F2", 12, "Construction and dimensions"),
    ("F1", 10, "Facings: 0.5 mm pre-painted steel, AZ150 metallic coating"),
    ("F1", 10, "Core: 100 mm expanded polystyrene, fire-retardant grade (FR-EPS)"),
    ("F1", 10, "Width 1200 mm, length 2400 to 12000 mm, thickness 100 mm, mass 11.8 kg/m2"),
    ("F1", 10, ""),
    ("F2", 12, "Performance"),
    ("F1", 10, "Thermal resistance R 2.7 m2K/W (tested to AS/NZS 4859.1:2018)"),
    ("F1", 10, "Fire: Group 1 material to AS 5637.1:2015"),
    ("F1", 10, "Design wind pressure up to 2.5 kPa on 1.8 m spans"),
    ("F1", 10, ""),
    ("F2", 12, "Sustainability"),
    ("F1", 10, "Embodied carbon: 38.5 kg CO2e per m2, cradle to gate (EPD NB-0417)"),
    ("F1", 10, "Recycled content: 24 % of steel by mass; panels recyclable at end of life: 92 %"),
    ("F1", 10, "Expected service life: 40 years"),
]

def esc(text):
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

stream_lines = ["BT", "72 770 Td"]
leading_prev = None
first = True
for font, size, text in LINES:
    step = size + 6
    if not first:
        stream_lines.append(f"0 -{step} Td")
    first = False
    stream_lines.append(f"/{font} {size} Tf")
    if text:
        stream_lines.append(f"({esc(text)}) Tj")
stream_lines.append("ET")
stream = ("\n".join(stream_lines) + "\n").encode("ascii")

objects = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
    b"/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>",
    b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
    b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"endstream",
    b"<< /Title (ThermaCore SP100 Product Specification Sheet) /Author (Northgate Building Systems) "
    b"/Producer (julee-runtime demo fixture) >>",
]

out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
offsets = []
for number, body in enumerate(objects, start=1):
    offsets.append(len(out))
    out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
xref = len(out)
out += f"xref\n0 {len(objects) + 1}\n".encode()
out += b"0000000000 65535 f \n"
for offset in offsets:
    out += f"{offset:010d} 00000 n \n".encode()
out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 7 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n").encode()
open(sys.argv[1], "wb").write(out)
print(len(out), "bytes")
