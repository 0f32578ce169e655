"""A held-out labelled ledger generator: a Valencian ceramic-tile distributor's year as an Odoo 17 xlsx export.

Written apart from the detectors and from the pipeline's reader, for held-out evaluation only.

Azulejos del Turia S.L., Paterna (Valencia), polígono Fuente del Jarro: a wholesale distributor of ceramic
and porcelain tiles, tile adhesives and grouts, with a warehouse, three delivery trucks and vans, two LPG
forklifts and about twenty-five staff. Calendar year 2024 in EUR on Odoo 17 Enterprise with the Spanish
localisation (l10n_es, PGC 2007 "PYMEs" chart, 8-digit account codes: the template's 3-4 digit codes padded
with zeros, 43000000 Clientes (euros), 40000000 Proveedores (euros), 47200000/47700000 IVA soportado /
repercutido, 47500000/47000000 H.P. acreedora / deudora por IVA, 47510000 retenciones practicadas, 47600000
Seguridad Social, 46500000 remuneraciones pendientes, 52000000 short-term bank debt, 55100000 the partner's
current account, 57000001 Efectivo, 57200001 Banco (CaixaBank), 57200002 Banco Sabadell, 60000000 Compras de
mercaderías, 62x00000 servicios exteriores, 64000000/64200000 payroll, 66230000 loan interest, 68100000
depreciation and the 281x0000 accumulated depreciation, 70000000/70010000/70020000 Ventas de mercaderías en
España / Intracomunitarias / Exportación). The company migrated to Odoo 17 in November 2023; the year's
opening items (last year's open invoices, the 4T 2023 tax returns, December's Social Security) are settled
in January-February and their old numbers (INV/2023/..., BILL/2023/12/...) appear on the bank lines only.

The normal year:

- journals (Diario, Odoo 17's Spanish defaults): Facturas de cliente (INV/2024/00001, credit notes
  RINV/2024/00001: a yearly sequence), Facturas de proveedores (BILL/2024/03/0001: Odoo's monthly sequence for
  purchase and miscellaneous journals), Operaciones varias (MISC/2024/03/0001), Banco (CaixaBank, BNK1/2024/
  00001), Banco Sabadell (BNK2/2024/00001), Efectivo (CSH1/2024/00001); an entry gets its number when it is
  posted, in posting order within its sequence;
- users (Creado por): Laura Navarro Pla (facturación: every customer invoice and credit note), María José
  Ferrer (contabilidad: vendor bills keyed from paper and PDF, the weekly Sabadell statement import, the cash
  journal), Amparo Gil Roig (responsable de administración: Operaciones varias - payroll from the labour
  adviser's summary, asset depreciation boards, the quarterly tax closing), Rafael Martínez Sanchis (the
  gerente: approves purchase orders, keys nothing) and OdooBot (the CaixaBank online synchronisation creates
  the BNK1 statement lines every morning at 05:00-07:00, and the bills the utilities e-mail to the
  facturas@ alias are created by the mail gateway at whatever hour they arrive);
- calendar: working days are Monday-Friday except the Comunitat Valenciana's 2024 holidays (`holidays`, ES
  subdivision VC: 1 and 6 January, 19 March San José (Fallas), Good Friday, Easter Monday, 1 May, 24 June San
  Juan, 15 August, 9 October, 12 October, 1 November, 6 December, 25 December; Paterna's two local holidays are
  not modelled). People create entries on working days in office hours; the Fallas week (15-18 March) is slow,
  August runs at under half the pace, May-June and October are the construction season's peaks;
- sales (INV): thirty tile shops invoiced per delivery (albarán), five of them sole traders in the recargo
  de equivalencia scheme (IVA 21 % + 5.2 % RE, both to 47700000), ten builders and contractors invoiced once a
  month for the month's deliveries (one line per albarán), four EU customers (IVA 0 % entregas
  intracomunitarias, 70010000) and three outside the EU (IVA 0 % exportaciones, 70020000). Tiles, adhesive
  and grout take 21 % (no reduced rate applies to them). A line is an item (`[PG6060-CAL] Porcelánico
  Calacatta 60x60 rect.`), the IVA line is labelled with the tax's name and the receivable line with the
  invoice number. Credit notes for breakage in transport now and then. Drafts are prepared from the sale
  orders, so an invoice is created up to three working days before its date or posted the next morning;
- collection: most tile shops pay by recibo domiciliado (SEPA direct debit) at 30 or 60 days on the 10th or
  25th: CaixaBank credits the remesa as one statement line, reconciled in Odoo against every invoice in it (one
  bank line, one 43000000 line per invoice, partner filled); about 3 % of recibos come back (devolución) and
  are then paid by transfer. The others, the builders (60-90 days) and the export customers (Sabadell) pay by
  transfer;
- purchases (BILL): six Castellón tile factories (Onda, l'Alcora, Vila-real, Nules...) and an adhesive
  maker, to 60000000, paid from Sabadell on the 25th once 60 days have passed; transport (deliveries and
  pallet network, 62400000); rent of the warehouse (62100000, dated the 1st, 19 % IRPF withheld to 47510000);
  Iberdrola, LPG for the forklifts (Repsol Butano), Telefónica, Solred fuel cards (62800000); Mapfre
  insurance (62500000, exempt); the labour adviser (an individual: 15 % IRPF withheld); forklift maintenance
  (62200000); cleaning and security; Odoo S.A. and Google Ireland (IVA 21 % reverse charge on EU services,
  47200000 and 47700000 both); a van bought in May (21800000). The supplier's invoice number is the entry's
  Referencia. APPROVAL_LIMIT: a purchase order of EUR 30,000 or more (IVA included) needs the gerente's
  approval (Odoo's two-step purchase approval, "Importe mínimo"), so normal bills avoid 28,500-30,000;
- bank (BNK1/BNK2): one entry per statement line: the bank line (labelled with the bank's text) and its
  counterpart(s): customer receipts and remesas, the supplier payment run on the 25th (one transfer per
  supplier settling its bills), direct debits 3-10 days after a utility bill, rent on the 5th, net salaries on
  the month's last working day, Social Security the next month, modelo 303/111/115 on the 20th after a
  quarter (303 4T on 30 January), the ICO loan instalment on the 5th (principal and interest), bank fees,
  cash withdrawals for the petty cash, and a day or two before each Sabadell payment run a transfer from
  CaixaBank (a round amount: two statement lines, one in each bank, through Odoo's liquidity transfer account
  57290000);
- Operaciones varias (MISC): the payroll entry dated the month's last day (gross, employer's Social Security,
  IRPF, Social Security, net pay; extra pay in June and December); one depreciation entry per asset per month
  dated the month's last day, created when the depreciation board was generated (at the migration in November
  2023, or when the van was confirmed in May) and posted by Odoo's scheduler on its date; the quarterly IVA
  closing (modelo 303) dated the quarter's last day, created 8-18 days into the next month: 47700000 and
  47200000 cleared to 47500000, or to 47000000 when the quarter's input IVA is larger (an exporter's usual
  "a compensar", set off in a later quarter).

Anomalies (`KINDS` of `generate_ledger`, `per_kind` each, variants in turn; every line of an instance's entry
carries `anomaly_kind` and `anomaly_id`; a duplicate's label is on the second entry only; a period-end reversal
labels both entries; anomalous invoices are left unpaid):

- amount_outlier: an e-mailed utility bill (Iberdrola, Telefónica, Solred) or a tile shop's invoice or
  a petty-cash expense 20-60x the partner's usual size (a slipped decimal, a wrong quantity);
- unusual_account_combination: a MISC entry Sueldos (64000000) against Ventas (70000000), a MISC entry
  Arrendamientos (62100000) against a customer's 43000000, a factory's bill coded to 70000000 instead of
  60000000;
- weekend_holiday_posting: a customer invoice, a vendor bill or a MISC entry dated on a Saturday, Sunday or
  Valencian holiday (never the 1st or a month's last day) and created that same day;
- round_amount: a transfer to the gerente's current account (55100000), a MISC "provision" Sueldos /
  Remuneraciones pendientes, a MISC entry Banco Sabadell / 55100000 for a partner's loan: 10,000-60,000 in
  steps of 5,000;
- just_below_approval_limit: a bill of 29,000-29,990 IVA included from a factory, the transport company or a
  racking contractor;
- duplicate: a factory bill keyed twice 0-6 days apart with the same date and amount (Odoo 17 only warns):
  the same Referencia, the reference retyped (separators dropped), or twice the same day;
- backdated: created 45-150 days after its date: a vendor bill found late (numbered in its old month's
  sequence), a customer invoice (its INV number then sits among invoices dated months later), a MISC
  correction into an earlier quarter;
- unusual_user: the gerente keying a vendor bill, the invoicing clerk posting a MISC revenue
  reclassification, the invoicing clerk entering a bank statement line by hand in BNK1;
- broken_vat_ratio: a customer invoice or a vendor bill whose tax line was edited by hand on the draft (the tax
  is still IVA 21 % but its amount is 18 %, 16 %, 10 % or 21/121 of the base);
- period_end_reversal: revenue booked on a month's last working day - a MISC "ventas pendientes de facturar"
  43000000 / 70000000 or a customer invoice - reversed 1-5 days into the next month with Odoo's Revertir (a MISC
  reversal or an RINV credit note, Referencia "Reversión de: ..."); the company books no such accruals
  otherwise;
- unbalanced_voucher: Odoo refuses unbalanced entries, so this is what a damaged export shows - a vendor bill
  whose IVA line was deleted from the spreadsheet, a payroll entry whose Social Security line had two digits
  swapped when the file was retyped, a bank receipt whose bank line differs from its 43000000 line by a few
  cents or euros (the amount edited in the file);
- daily_spike: one working day with 15-30 entries on one account: a builder's deliveries invoiced albarán by
  albarán (70000000), a burst of one-delivery bills from the pallet network (62400000), a run of returned-
  recibo fees charged line by line (62600000).

The export (Contabilidad > Contabilidad > Apuntes contables, select all, Acción > Exportar, format XLSX, the
user's language Spanish; a folder gets FILE_NAME, the name Odoo gives the download): one sheet, the header
on row 1, one row per journal item in Odoo's default order for journal items (account.move.line `_order`:
date descending, then entry number descending, then line id, i.e. the order the lines were created within an
entry). Columns: Fecha (a date cell, yyyy-mm-dd), Asiento contable/Número (the entry's name; the sub-field
export, since the entry's display name may carry its reference in brackets), Diario (the journal's name),
Cuenta (the account's display name, `43000000 Clientes (euros)`), Contacto (the partner), Referencia (the
entry's reference: the supplier's invoice number, the customer's order, "Reversión de: ..."), Etiqueta (the
line's label), Impuestos (the taxes on a base line, several joined by commas), Debe and Haber (numbers, 0 on
the other side), Conciliado (a boolean cell: the receivable or payable line is fully reconciled), Creado por,
Creado el (a datetime cell in UTC, as Odoo stores it and exports it: an hour or two before Madrid time).

Sources relied on (via the search tool): Odoo's l10n_es chart and tax templates (addons/l10n_es/data/
template/account.account-es_common.csv and account.tax-es_common.csv in odoo/odoo: Spanish account names, 7000/
7001/7002 for domestic, intra-EU and export sales, 621-629 servicios exteriores, 640/642 payroll, 681
depreciation, sales IVA to 477 and purchase IVA to 472, intra-EU services reverse charged to both, IRPF
withholding to 4751; the current branch names taxes "21% G", Odoo 17 used the longer names used here); the
Generalitat's 2024 labour calendar (DOGV of 4 October 2023 as reported by grecotex.org, valenciadiari.com and
CCOO: 19 March, 1 April, 24 June and 9 October as the regional days); the esnumera wiki's note that journal
entries are exported from the Apuntes/Asientos list with Acción > Exportar in Excel format. Where they are
silent (the exact Spanish labels of the export dialog - Contacto rather than the older Empresa -, the
boolean cell for Conciliado, UTC datetimes, Odoo's monthly BILL/MISC sequences) the choice above is this
author's knowledge of Odoo 17, not a quotation.

The frame returned holds one row per data row in file order (sheet row i + 2 is frame row i): the file's
columns (Fecha and Creado el as Timestamps, Debe and Haber floats, Conciliado bool), `date` (the entry's date),
`created` (Creado el in Madrid local time), `journal` (the sequence prefix: INV, RINV, BILL, MISC, BNK1, BNK2,
CSH1), `voucher` (the entry's name), `anomaly_kind`, `anomaly_id`.

    python -m benchmarks.generate_odoo --seed 101 --out apuntes.xlsx [--per-kind 6]
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import holidays
import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from benchmarks.generate_ledger import KINDS
from benchmarks.generator_cli import generator_main

START, END = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
EXPORTED = dt.date(2025, 2, 20)  # the day the auditor's export was made (after the 4T closing)
COMPANY = "Azulejos del Turia S.L."
FILE_NAME = "Apunte contable (account.move.line).xlsx"
HEADER = [
    "Fecha", "Asiento contable/Número", "Diario", "Cuenta", "Contacto", "Referencia", "Etiqueta", "Impuestos",
    "Debe", "Haber", "Conciliado", "Creado por", "Creado el",
]
APPROVAL_LIMIT = 30_000.0  # EUR incl. IVA: a purchase order from here needs the gerente's approval
LAURA, MJ, AMPARO, RAFAEL, BOT = (
    "Laura Navarro Pla", "María José Ferrer", "Amparo Gil Roig", "Rafael Martínez Sanchis", "OdooBot",
)
USERS = (LAURA, MJ, AMPARO, RAFAEL, BOT)
# sequence prefix -> journal name
JOURNALS = {
    "INV": "Facturas de cliente", "RINV": "Facturas de cliente", "BILL": "Facturas de proveedores",
    "MISC": "Operaciones varias", "BNK1": "Banco", "BNK2": "Banco Sabadell", "CSH1": "Efectivo",
}
MONTHLY = ("BILL", "MISC")  # Odoo 17 numbers purchase and miscellaneous journals per month
ACCOUNTS = {
    "21800000": "Elementos de transporte",
    "28130000": "Amortización acumulada de maquinaria",
    "28170000": "Amortización acumulada de equipos para procesos de información",
    "28180000": "Amortización acumulada de elementos de transporte",
    "28190000": "Amortización acumulada de otro inmovilizado material",
    "40000000": "Proveedores (euros)",
    "43000000": "Clientes (euros)",
    "46500000": "Remuneraciones pendientes de pago",
    "47000000": "Hacienda Pública, deudora por IVA",
    "47200000": "Hacienda Pública. IVA soportado",
    "47500000": "Hacienda Pública, acreedora por IVA",
    "47510000": "Hacienda Pública, acreedora por retenciones practicadas",
    "47600000": "Organismos de la Seguridad Social, acreedores",
    "47700000": "Hacienda Pública. IVA repercutido",
    "52000000": "Deudas a corto plazo con entidades de crédito",
    "55100000": "Cuenta corriente con socios y administradores",
    "57000001": "Efectivo",
    "57200001": "Banco",
    "57200002": "Banco Sabadell",
    "57290000": "Transferencia de liquidez",
    "60000000": "Compras de mercaderías",
    "62100000": "Arrendamientos y cánones",
    "62200000": "Reparaciones y conservación",
    "62300000": "Servicios de profesionales independientes",
    "62400000": "Transportes",
    "62500000": "Primas de seguros",
    "62600000": "Servicios bancarios y similares",
    "62700000": "Publicidad, propaganda y relaciones públicas",
    "62800000": "Suministros",
    "62900000": "Otros servicios",
    "64000000": "Sueldos y salarios",
    "64200000": "Seguridad Social a cargo de la empresa",
    "66230000": "Intereses de deudas con entidades de crédito",
    "68100000": "Amortización del inmovilizado material",
    "70000000": "Ventas de mercaderías en España",
    "70010000": "Ventas de mercaderías Intracomunitarias",
    "70020000": "Ventas de mercaderías Exportación",
}
# tax name (as Odoo 17's l10n_es names it) -> rate
S21, RE52, S0IC, S0EX = (
    "IVA 21% (Bienes)", "5.2% Recargo Equivalencia Ventas", "IVA 0% Entregas Intracomunitarias exentas",
    "IVA 0% Exportaciones",
)
P21B, P21S, P21IC = (
    "21% IVA soportado (bienes corrientes)", "21% IVA soportado (servicios corrientes)",
    "IVA 21% Adquisición de servicios intracomunitarios",
)
IRPF15, RET19 = "Retenciones IRPF 15%", "Retenciones 19% (Arrendamientos)"
TAXES = {S21: 0.21, RE52: 0.052, S0IC: 0.0, S0EX: 0.0, P21B: 0.21, P21S: 0.21, P21IC: 0.21, IRPF15: -0.15,
         RET19: -0.19}
MONTHS = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
          "noviembre", "diciembre"]
SEASON = [0.85, 0.95, 0.95, 1.05, 1.15, 1.15, 1.05, 0.45, 1.0, 1.1, 1.0, 0.75]
# customer -> (segment, fiscal, mean net per invoice, invoices a month, payment: remesa30/remesa60/transfer,
#              mean days to pay by transfer)
#   segment: tienda (per delivery), obra (monthly invoice of the month's albaranes), ue, export
CUSTOMERS = {
    "Cerámicas Benimaclet S.L.": ("tienda", "nac", 1900, 3.5, "remesa30", 0),
    "Azulejos y Baños Mislata S.L.": ("tienda", "nac", 1450, 3.0, "remesa60", 0),
    "Decoración Cerámica Burjassot S.L.": ("tienda", "nac", 2100, 2.5, "remesa30", 0),
    "Materiales de Construcción Alaquàs S.A.": ("tienda", "nac", 3200, 4.0, "transfer", 35),
    "Saneamientos Torrent S.L.": ("tienda", "nac", 1750, 3.0, "remesa60", 0),
    "Cerámica y Hogar Sagunto S.L.": ("tienda", "nac", 1600, 2.0, "remesa30", 0),
    "Almacenes Ribera Alzira S.L.": ("tienda", "nac", 2800, 3.5, "transfer", 48),
    "Pavimentos Gandia S.L.": ("tienda", "nac", 2300, 3.0, "remesa60", 0),
    "Azulejos Xàtiva S.L.": ("tienda", "nac", 1350, 2.0, "remesa30", 0),
    "Baños y Cocinas Quart S.L.": ("tienda", "nac", 1250, 2.5, "remesa30", 0),
    "Materiales Hermanos Peris S.L.": ("tienda", "nac", 2600, 3.0, "transfer", 41),
    "Cerámicas Llíria S.L.": ("tienda", "nac", 1500, 2.0, "remesa60", 0),
    "Reformas y Materiales Manises S.L.": ("tienda", "nac", 1150, 3.0, "remesa30", 0),
    "BigMat Cheste Materiales S.L.": ("tienda", "nac", 3900, 3.0, "transfer", 55),
    "Azulejos Ontinyent S.L.": ("tienda", "nac", 1700, 2.0, "remesa60", 0),
    "Cerámica Requena S.L.": ("tienda", "nac", 1300, 1.5, "remesa30", 0),
    "Materiales Cullera S.L.": ("tienda", "nac", 1800, 2.5, "transfer", 30),
    "Exposición Cerámica Alboraya S.L.": ("tienda", "nac", 2050, 2.5, "remesa30", 0),
    "Pavimentos y Revestimientos Dénia S.L.": ("tienda", "nac", 2400, 2.0, "remesa60", 0),
    "Cerámicas La Safor S.L.": ("tienda", "nac", 1550, 2.0, "transfer", 27),
    "Almacén de Materiales Bétera S.L.": ("tienda", "nac", 1950, 2.5, "remesa30", 0),
    "Azulejos Elche Centro S.L.": ("tienda", "nac", 2250, 2.0, "remesa60", 0),
    "Baños Castellón Plaza S.L.": ("tienda", "nac", 1400, 1.5, "transfer", 33),
    "Cerámicas Utiel S.L.": ("tienda", "nac", 1100, 1.5, "remesa30", 0),
    "Materiales Vinalesa S.L.": ("tienda", "nac", 950, 2.0, "remesa30", 0),
    "José Luis Sanchis Martí": ("tienda", "re", 780, 2.0, "remesa30", 0),
    "Amparo Boix Ferrando": ("tienda", "re", 640, 1.5, "remesa30", 0),
    "Vicente Escrivá Soler": ("tienda", "re", 910, 2.0, "remesa30", 0),
    "Rosa María Puig Albert": ("tienda", "re", 560, 1.5, "transfer", 12),
    "Joaquín Mora Tarazona": ("tienda", "re", 720, 1.5, "remesa30", 0),
    "Construcciones Turia Norte S.A.": ("obra", "nac", 0, 5.0, "transfer", 78),
    "Edificaciones Levante 2000 S.L.": ("obra", "nac", 0, 4.0, "transfer", 84),
    "Promociones Campanar S.L.": ("obra", "nac", 0, 3.5, "transfer", 71),
    "Reformas Integrales Ruzafa S.L.": ("obra", "nac", 0, 6.0, "transfer", 52),
    "Constructora Mediterránea del Este S.A.": ("obra", "nac", 0, 4.5, "transfer", 88),
    "Obras y Servicios Paterna S.L.": ("obra", "nac", 0, 3.0, "transfer", 63),
    "Hoteles Costa Blanca S.A.": ("obra", "nac", 0, 2.0, "transfer", 59),
    "Rehabilitaciones Ciutat Vella S.L.": ("obra", "nac", 0, 3.5, "transfer", 66),
    "Grupo Inmobiliario Malilla S.L.": ("obra", "nac", 0, 2.5, "transfer", 75),
    "Instalaciones Marítim S.L.": ("obra", "nac", 0, 3.0, "transfer", 58),
    "Carrelages du Midi SARL": ("ue", "ue", 13_500, 1.8, "transfer", 35),
    "Fliesen Becker GmbH": ("ue", "ue", 16_800, 1.2, "transfer", 28),
    "Tegelhandel Van Dam B.V.": ("ue", "ue", 11_200, 1.0, "transfer", 32),
    "Cerâmicas do Porto Lda": ("ue", "ue", 9_400, 1.5, "transfer", 44),
    "Tile Warehouse Ltd": ("export", "ext", 19_500, 0.6, "transfer", 30),
    "Société Marocaine du Carrelage SARL": ("export", "ext", 22_000, 0.5, "transfer", 21),
    "Keramik Zürich AG": ("export", "ext", 14_000, 0.4, "transfer", 38),
}
PRODUCTS = [  # item, price a unit (EUR), median quantity, unit weight in a tile order
    ("[PG6060-CAL] Porcelánico Calacatta 60x60 rect.", 14.90, 86, 3.0),
    ("[PG120-STN] Porcelánico Stone Grey 60x120 rect.", 21.40, 58, 2.0),
    ("[PG2020-HID] Porcelánico Hidráulico 20x20", 17.60, 30, 1.0),
    ("[MD2012-OAK] Porcelánico madera Oak 20x120", 18.90, 64, 2.0),
    ("[RV3090-BLN] Revestimiento pasta blanca 30x90 rect.", 13.20, 72, 2.5),
    ("[RV0730-MET] Azulejo metro biselado 7,5x30", 16.50, 24, 1.0),
    ("[EXT3333-ANT] Gres antideslizante exterior 33x33 C3", 9.80, 96, 1.5),
    ("[PG9090-MRB] Porcelánico Marmi Blanco 90x90 pulido", 27.50, 40, 1.0),
    ("[ADH-C2TE] Adhesivo cementoso C2TE S1 25 kg", 11.40, 40, 2.0),
    ("[JNT-CG2] Mortero de rejuntado CG2WA 5 kg", 6.20, 20, 1.5),
    ("[PRF-AL25] Perfil remate aluminio 2,5 m", 4.80, 30, 0.8),
    ("[NIV-CLIP] Sistema nivelación clips (bolsa 100)", 12.90, 6, 0.6),
]
# supplier -> (account, tax, median net, schedule, payment, reference style)
#   schedule: factory, monthly (a working day), first (dated the 1st), bottles (2-3 a month), quarterly,
#   yearly (January), adhoc; payment: run (25th, 60 days, Sabadell), run30 (25th, 30 days, CaixaBank),
#   debit (direct debit 3-10 days), rent (transfer on the 5th)
SUPPLIERS = {
    "Cerámicas Vilafamés S.A.": ("60000000", P21B, 14_500, "factory", "run", "F24-{n:05d}"),
    "Azulejera de Onda S.A.": ("60000000", P21B, 12_800, "factory", "run", "A/{n:06d}"),
    "Gres de l'Alcora S.L.": ("60000000", P21B, 11_200, "factory", "run", "FV2024-{n:04d}"),
    "Porcelánicos Vila-real S.A.": ("60000000", P21B, 15_900, "factory", "run", "24/{n:05d}"),
    "Pavimentos del Mijares S.L.": ("60000000", P21B, 9_600, "factory", "run", "PM{n:06d}"),
    "Revestimientos Nules S.A.": ("60000000", P21B, 8_700, "factory", "run", "RN-24-{n:04d}"),
    "Morteros Técnicos Castellón S.L.": ("60000000", P21B, 4_300, "factory", "run", "MT{n:05d}"),
    "Transportes Hermanos Climent S.L.": ("62400000", P21S, 5_600, "monthly", "run30", "TC-{n:04d}"),
    "Palletways Iberia S.L.": ("62400000", P21S, 1_350, "monthly", "run30", "PWI24{n:06d}"),
    "Inversiones Fuente del Jarro S.L.": ("62100000", P21S, 7_800, "first", "rent", "ALQ-{n:02d}/24"),
    "Iberdrola Clientes S.A.U.": ("62800000", P21S, 840, "monthly", "debit", "21240{n:08d}"),
    "Repsol Butano S.A.": ("62800000", P21B, 390, "bottles", "debit", "0924{n:07d}"),
    "Telefónica de España S.A.U.": ("62800000", P21S, 295, "monthly", "debit", "TA6CM{n:07d}"),
    "Solred S.A.": ("62800000", P21B, 1_080, "monthly", "debit", "SR24-{n:06d}"),
    "Mapfre España S.A.": ("62500000", "", 2_150, "quarterly", "debit", "P-{n:08d}"),
    "Vicent Llorens Pastor": ("62300000", P21S, 680, "monthly", "run30", "{n:03d}/2024"),
    "Carretillas Elevadoras Levante S.L.": ("62200000", P21S, 620, "adhoc", "run30", "CEL-{n:05d}"),
    "Limpiezas Fuente del Jarro S.L.": ("62900000", P21S, 430, "monthly", "run30", "L24-{n:04d}"),
    "Prosegur Alarmas España S.L.": ("62900000", P21S, 96, "monthly", "debit", "PA{n:09d}"),
    "Odoo S.A.": ("62900000", P21IC, 9_330, "yearly", "debit", "INV/2024/{n:05d}"),
    "Google Ireland Ltd": ("62900000", P21IC, 168, "monthly", "debit", "52024{n:05d}"),
    "Gráficas Paterna S.L.": ("62700000", P21S, 720, "adhoc", "run30", "GP-{n:04d}"),
    "Automóviles Turia S.A.": ("21800000", P21B, 0, "", "run30", "VN-{n:05d}"),
    "Estanterías Metálicas Levante S.L.": ("62200000", P21S, 0, "", "run30", "EML/{n:04d}"),
}
FACTORIES = [s for s, v in SUPPLIERS.items() if v[3] == "factory"][:6]
EMAILED = {"Iberdrola Clientes S.A.U.", "Telefónica de España S.A.U.", "Google Ireland Ltd", "Solred S.A.",
           "Prosegur Alarmas España S.L."}  # their bills arrive at the facturas@ alias: created by OdooBot
AEAT, TGSS = "Agencia Estatal de Administración Tributaria", "Tesorería General de la Seguridad Social"
ASSETS = [  # name, accumulated depreciation account, monthly amount, months done by Dec 2023, life in months
    ("Carretillas elevadoras GLP Linde H25 (2 uds.)", "28130000", 604.17, 38, 96),
    ("Estanterías de paletización nave", "28190000", 350.00, 62, 120),
    ("Camión Iveco Eurocargo 12 t", "28180000", 812.50, 21, 96),
    ("Equipos informáticos y terminales de almacén", "28170000", 200.00, 13, 48),
]
VC = holidays.ES(subdiv="VC", years=[2023, 2024, 2025])


def days(lo: dt.date = START, hi: dt.date = END) -> list[dt.date]:
    return [lo + dt.timedelta(n) for n in range((hi - lo).days + 1)]


def is_working_day(day: dt.date) -> bool:
    """The office, the warehouse and the banks: Monday-Friday, not on a Valencian public holiday."""
    return day.weekday() < 5 and day not in VC


def is_closed(day: dt.date) -> bool:
    return not is_working_day(day)


def next_working_day(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day += dt.timedelta(1)
    return day


def prev_working_day(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day -= dt.timedelta(1)
    return day


def add_working_days(day: dt.date, n: int) -> dt.date:
    day = next_working_day(day)
    step = 1 if n >= 0 else -1
    for _ in range(abs(n)):
        day += dt.timedelta(step)
        day = next_working_day(day) if step > 0 else prev_working_day(day)
    return day


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(1)


def _last_sunday(year: int, month: int) -> dt.date:
    d = month_end(year, month)
    return d - dt.timedelta((d.weekday() + 1) % 7)


def to_utc(local: dt.datetime) -> dt.datetime:
    """Madrid time to UTC (CET +1, CEST +2 from the last Sunday of March to the last Sunday of October)."""
    start = dt.datetime.combine(_last_sunday(local.year, 3), dt.time(2))
    end = dt.datetime.combine(_last_sunday(local.year, 10), dt.time(3))
    return local - dt.timedelta(hours=2 if start <= local < end else 1)


def r2(x: float) -> float:
    return float(round(x + 0.0, 2))


@dataclass
class Line:
    account: str
    amount: float  # debit-positive
    label: str = ""
    partner: str = ""
    taxes: str = ""
    settles: Entry | None = None  # the invoice this bank line settles (its label becomes the invoice's name)
    counter: bool = False  # the invoice's own receivable / payable line


@dataclass
class Entry:
    prefix: str
    date: dt.date
    created: dt.datetime
    user: str
    lines: list[Line]
    ref: str = ""
    partner: str = ""
    posted: dt.datetime | None = None
    role: str = ""
    pay: str = ""  # how it gets settled (remesa30, remesa60, transfer, run, run30, debit, rent) or ""
    paid_on: dt.date | None = None
    reverses: Entry | None = None
    name: str = ""
    seq: int = 0
    kind: str = ""
    aid: str = ""

    @property
    def gross(self) -> float:
        return sum(ln.amount for ln in self.lines if ln.counter)


@dataclass
class _Books:
    rng: np.random.Generator
    entries: list[Entry] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)
    opening: list[Entry] = field(default_factory=list)

    # ------------------------------------------------------------------------------------------ helpers
    def add(self, e: Entry) -> Entry:
        e.seq = len(self.entries)
        if e.posted is None:
            e.posted = e.created
        self.entries.append(e)
        return e

    def at(self, day: dt.date, lo: float = 8.0, hi: float = 18.5) -> dt.datetime:
        minutes = int(self.rng.integers(int(lo * 60), int(hi * 60)))
        return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60, int(self.rng.integers(60))))

    def keyed(self, day: dt.date, lo: int = 1, hi: int = 8) -> dt.datetime:
        return self.at(add_working_days(day, int(self.rng.integers(lo, hi + 1))))

    def pick(self, pool: list):
        return pool[int(self.rng.integers(len(pool)))]

    def ref(self, supplier: str) -> str:
        n = self.counters.get(supplier, int(self.rng.integers(120, 4_000)))
        n += int(self.rng.integers(1, 40)) if SUPPLIERS[supplier][3] == "factory" else 1
        self.counters[supplier] = n
        return SUPPLIERS[supplier][5].format(n=n)

    def working_days(self, month: int) -> list[dt.date]:
        return [d for d in days(dt.date(2024, month, 1), month_end(2024, month)) if is_working_day(d)]

    # ------------------------------------------------------------------------------------------ documents
    def invoice(self, day: dt.date, customer: str, items: list[tuple[str, float]], created: dt.datetime | None
                = None, user: str = LAURA, vat_factor: float | None = None, sign: int = 1, ref: str = "",
                pay: str | None = None, role: str = "sale") -> Entry:
        """A customer invoice (sign -1: a credit note, RINV): items (label, net); taxes by the customer."""
        fiscal = CUSTOMERS[customer][1]
        account = {"ue": "70010000", "ext": "70020000"}.get(fiscal, "70000000")
        taxes = {"nac": [S21], "re": [S21, RE52], "ue": [S0IC], "ext": [S0EX]}[fiscal]
        lines, base = [], 0.0
        for label, net in items:
            lines.append(Line(account, -sign * r2(net), label, customer, ",".join(taxes)))
            base = r2(base + net)
        for tax in taxes:
            rate = TAXES[tax] if vat_factor is None or tax != S21 else vat_factor
            amount = r2(base * rate)
            if amount:
                lines.append(Line("47700000", -sign * amount, tax, customer))
        gross = r2(-sum(ln.amount for ln in lines))
        lines.append(Line("43000000", gross, "{self}", customer, counter=True))
        if created is None:
            u = self.rng.random()
            shift = -int(self.rng.integers(1, 4)) if u < 0.2 else (1 if u > 0.9 else 0)
            when = add_working_days(day, shift) if shift else day
            created = self.at(when, 8.0, 18.5) if shift >= 0 else self.at(when, 8.0, 18.5)
        posted = max(created, self.at(day, 8.0, 18.5)) if created.date() < day else created
        pay = (CUSTOMERS[customer][4] if sign > 0 else "") if pay is None else pay
        return self.add(Entry("INV" if sign > 0 else "RINV", day, created, user, lines, ref, customer,
                              posted=posted, role=role, pay=pay))

    def bill(self, day: dt.date, supplier: str, items: list[tuple[str, str, float]], ref: str,
             created: dt.datetime | None = None, user: str | None = None, vat_factor: float | None = None,
             vat_line: bool = True, pay: str | None = None, role: str = "bill",
             posted: dt.datetime | None = None) -> Entry:
        """A vendor bill: items (account, label, net); the supplier's tax (and withholding) on every item."""
        tax = SUPPLIERS[supplier][1]
        withhold = RET19 if SUPPLIERS[supplier][4] == "rent" else (IRPF15 if supplier == "Vicent Llorens Pastor"
                                                                      else "")
        taxes = [t for t in (tax, withhold) if t]
        lines, base = [], 0.0
        for account, label, net in items:
            lines.append(Line(account, r2(net), label, supplier, ",".join(taxes)))
            base = r2(base + net)
        vat_lines = []
        if tax:
            rate = TAXES[tax] if vat_factor is None else vat_factor
            vat = r2(base * rate)
            vat_lines.append(Line("47200000", vat, tax, supplier))
            if tax == P21IC:  # reverse charge: owed and deducted at once
                vat_lines.append(Line("47700000", -vat, tax, supplier))
        if withhold:
            vat_lines.append(Line("47510000", r2(base * TAXES[withhold]), withhold, supplier))
        gross = r2(sum(ln.amount for ln in lines) + sum(ln.amount for ln in vat_lines))
        if vat_line:
            lines += vat_lines
        lines.append(Line("40000000", -gross, ref, supplier, counter=True))
        if user is None:
            user = BOT if supplier in EMAILED else MJ
        if created is None:
            if user == BOT:
                created = dt.datetime.combine(day + dt.timedelta(int(self.rng.integers(0, 3))), dt.time(
                    int(self.rng.integers(0, 24)), int(self.rng.integers(60)), int(self.rng.integers(60))))
            else:
                created = self.keyed(day, 1, 8)
        if posted is None and user == BOT:
            posted = self.keyed(created.date(), 0, 4) if is_working_day(created.date()) else self.keyed(
                next_working_day(created.date()), 0, 3)
            posted = max(posted, created)
        return self.add(Entry("BILL", day, created, user, lines, ref, supplier, posted=posted, role=role,
                              pay=SUPPLIERS[supplier][4] if pay is None else pay))

    def misc(self, day: dt.date, items: list[tuple[str, float, str] | tuple[str, float, str, str]],
             created: dt.datetime, ref: str = "", user: str = AMPARO, role: str = "misc",
             posted: dt.datetime | None = None) -> Entry:
        lines = [Line(it[0], r2(it[1]), it[2], it[3] if len(it) > 3 else "") for it in items]
        return self.add(Entry("MISC", day, created, user, lines, ref, posted=posted, role=role))

    def bank(self, prefix: str, day: dt.date, label: str, counter: list[Line], partner: str = "",
             user: str | None = None, created: dt.datetime | None = None, delta: float = 0.0,
             role: str = "bank") -> Entry:
        """A statement line's entry: the bank line (money in positive) and its counterparts."""
        amount = r2(-sum(ln.amount for ln in counter) + delta)
        account = {"BNK1": "57200001", "BNK2": "57200002", "CSH1": "57000001"}[prefix]
        lines = [Line(account, amount, label, partner), *counter]
        if created is None:
            if prefix == "BNK1":  # the online synchronisation, early next morning
                user = user or BOT
                created = dt.datetime.combine(day + dt.timedelta(1), dt.time(
                    5 + int(self.rng.integers(0, 2)), int(self.rng.integers(60)), int(self.rng.integers(60))))
            elif prefix == "BNK2":  # the weekly statement import on Monday (or the next working day)
                user = user or MJ
                monday = next_working_day(day + dt.timedelta(7 - day.weekday()))
                created = dt.datetime.combine(monday, dt.time(9, 12 + (monday.toordinal() % 37), 5))
            else:
                user = user or MJ
                created = self.keyed(day, 0, 3)
        return self.add(Entry(prefix, day, created, user or MJ, lines, "", partner, role=role))

    # ------------------------------------------------------------------------------------------ typical items
    def tile_items(self, customer: str, scale: float = 1.0) -> list[tuple[str, float]]:
        target = CUSTOMERS[customer][2] * scale * float(self.rng.lognormal(0, 0.45))
        n = 1 + int(self.rng.random() < 0.55) + int(self.rng.random() < 0.25)
        weights = np.array([p[3] for p in PRODUCTS])
        idx = self.rng.choice(len(PRODUCTS), size=n, replace=False, p=weights / weights.sum())
        shares = self.rng.dirichlet(np.ones(n) * 2.0)
        out = []
        for i, share in zip(idx, shares, strict=True):
            label, price, _, _ = PRODUCTS[int(i)]
            qty = max(1.0, round(target * share / price, 0))
            if "Porcelánico" in label or "Revestimiento" in label or "Gres" in label or "Azulejo" in label:
                qty = round(max(1.44, round(qty / 1.44) * 1.44), 2)  # whole boxes of 1.44 m²
            discount = 0.0 if CUSTOMERS[customer][1] == "re" else float(self.rng.choice([0.0, 0.05, 0.10]))
            out.append((label, r2(qty * price * (1 - discount))))
        return out

    def albaranes(self, customer: str, month: int, n: int) -> list[tuple[str, float]]:
        out = []
        for _ in range(n):
            d = self.pick(self.working_days(month))
            net = r2(float(self.rng.lognormal(np.log(2_600), 0.7)))
            out.append((f"Albarán AT24/{int(self.rng.integers(1_000, 9_999)):05d} del {d:%d/%m/%Y}", net))
        return out

    def factory_items(self, supplier: str, net: float | None = None) -> list[tuple[str, str, float]]:
        if net is None:
            net = SUPPLIERS[supplier][2] * float(self.rng.lognormal(0, 0.5))
        if supplier == "Morteros Técnicos Castellón S.L.":
            return [("60000000", "Adhesivos y morteros de rejuntado (camión completo)", r2(net))]
        n = 1 + int(self.rng.random() < 0.6)
        shares = self.rng.dirichlet(np.ones(n) * 3.0)
        items = []
        for share in shares:
            label = self.pick([p[0] for p in PRODUCTS[:8]])
            items.append(("60000000", label, r2(net * share)))
        return items

    # ------------------------------------------------------------------------------------------ the year
    def last_year(self) -> None:
        """Invoices and bills of November-December 2023 still open at the migration (not in the export)."""
        n = 1_180
        for customer, spec in CUSTOMERS.items():
            for _ in range(int(self.rng.poisson(spec[3] * 0.9)) if spec[0] != "obra" else 1):
                if spec[0] == "obra":
                    day = dt.date(2023, 11 + int(self.rng.integers(0, 2)), 30)
                else:
                    day = dt.date(2023, 12, int(self.rng.integers(1, 22)))
                gross = r2((spec[2] or 24_000) * float(self.rng.lognormal(0, 0.4)) * (1.21 if spec[1] == "nac"
                                                                                       else 1.0))
                e = Entry("INV", day, dt.datetime.combine(day, dt.time(10)), LAURA,
                          [Line("43000000", gross, "{self}", customer, counter=True)], "", customer,
                          pay=spec[4], name=f"INV/2023/{n:05d}")
                n += int(self.rng.integers(1, 4))
                self.opening.append(e)
        for supplier in FACTORIES + ["Transportes Hermanos Climent S.L.", "Palletways Iberia S.L."]:
            for month in (11, 12):
                day = dt.date(2023, month, int(self.rng.integers(2, 29)))
                gross = r2(SUPPLIERS[supplier][2] * 1.21 * float(self.rng.lognormal(0, 0.4)))
                e = Entry("BILL", day, dt.datetime.combine(day, dt.time(10)), MJ,
                          [Line("40000000", -gross, self.ref(supplier), supplier, counter=True)],
                          "", supplier, pay=SUPPLIERS[supplier][4],
                          name=f"BILL/2023/{month:02d}/{int(self.rng.integers(1, 90)):04d}")
                self.opening.append(e)

    def sales_year(self) -> None:
        for month in range(1, 13):
            wdays = self.working_days(month)
            weights = np.array([0.5 if dt.date(2024, 3, 15) <= d <= dt.date(2024, 3, 18) else 1.0 for d in wdays])
            for customer, spec in CUSTOMERS.items():
                segment = spec[0]
                if segment == "obra":
                    n = int(self.rng.poisson(spec[3] * SEASON[month - 1]))
                    if n == 0:
                        continue
                    day = wdays[-1]
                    created = self.at(add_working_days(day, int(self.rng.integers(0, 3))), 8.0, 18.5)
                    self.invoice(day, customer, self.albaranes(customer, month, n), created=created,
                                 ref=f"Obra {customer.split()[0]} {MONTHS[month - 1]}")
                    continue
                n = int(self.rng.poisson(spec[3] * SEASON[month - 1]))
                for _ in range(n):
                    day = wdays[int(self.rng.choice(len(wdays), p=weights / weights.sum()))]
                    scale = 1.0
                    ref = ""
                    if segment in ("ue", "export"):
                        ref = f"PO {int(self.rng.integers(2_400, 9_800))}"
                    self.invoice(day, customer, self.tile_items(customer, scale), ref=ref)
            # credit notes for breakage in transport, against a shop's earlier invoice
            shop_invoices = [e for e in self.entries if e.prefix == "INV" and e.date.month == month
                             and CUSTOMERS[e.partner][0] == "tienda" and not e.kind]
            for _ in range(int(self.rng.integers(1, 4))):
                if not shop_invoices:
                    break
                orig = self.pick(shop_invoices)
                day = self.pick([d for d in wdays if d >= orig.date] or [wdays[-1]])
                net = r2(-sum(ln.amount for ln in orig.lines if ln.account.startswith("7")) *
                         float(self.rng.uniform(0.03, 0.12)))
                self.invoice(day, orig.partner, [("Abono por rotura en transporte", net)], sign=-1,
                             ref=f"Rotura albarán {int(self.rng.integers(1_000, 9_999)):05d}")

    def purchases_year(self) -> None:
        for month in range(1, 13):
            wdays = self.working_days(month)
            for supplier, (account, _, median, schedule, _, _) in SUPPLIERS.items():
                if schedule == "factory":
                    n = int(self.rng.poisson(2.3 * SEASON[month - 1]) if supplier in FACTORIES else
                            self.rng.poisson(2.0 * SEASON[month - 1]))
                    for _ in range(n):
                        items = self.factory_items(supplier)
                        while APPROVAL_LIMIT * 0.95 <= sum(i[2] for i in items) * 1.21 < APPROVAL_LIMIT:
                            items = self.factory_items(supplier)
                        self.bill(self.pick(wdays), supplier, items, self.ref(supplier))
                elif schedule == "monthly":
                    day = self.pick(wdays[-6:]) if supplier.startswith(("Trans", "Pall", "Vicent", "Limp"))\
                        else self.pick(wdays)
                    season = SEASON[month - 1] if account == "62400000" else 1.0
                    winter = 1.25 if supplier.startswith("Iberdrola") and month in (1, 2, 7, 8) else 1.0
                    net = median * season * winter * float(self.rng.lognormal(0, 0.12))
                    label = {
                        "62400000": f"Portes y entregas a clientes {MONTHS[month - 1]} 2024",
                        "62800000": f"Suministro {MONTHS[month - 1]} 2024",
                        "62300000": f"Asesoría laboral y nóminas {MONTHS[month - 1]} 2024",
                        "62900000": f"Servicio {MONTHS[month - 1]} 2024",
                    }[account]
                    if supplier == "Iberdrola Clientes S.A.U.":
                        label = f"Electricidad nave Fuente del Jarro {MONTHS[month - 1]} 2024"
                    elif supplier == "Solred S.A.":
                        label = f"Carburante tarjetas Solred flota {MONTHS[month - 1]} 2024"
                    self.bill(day, supplier, [(account, label, r2(net))], self.ref(supplier))
                elif schedule == "first":
                    day = dt.date(2024, month, 1)
                    self.bill(day, supplier, [(account, f"Alquiler nave {MONTHS[month - 1]} 2024", median)],
                              self.ref(supplier), created=self.keyed(day, 1, 4))
                elif schedule == "bottles":
                    for _ in range(int(self.rng.integers(2, 4))):
                        net = r2(median * float(self.rng.lognormal(0, 0.15)))
                        self.bill(self.pick(wdays), supplier,
                                  [(account, "Botellas GLP carretillas elevadoras", net)], self.ref(supplier))
                elif schedule == "quarterly" and month in (1, 4, 7, 10):
                    self.bill(wdays[int(self.rng.integers(0, 5))], supplier,
                              [(account, "Póliza multirriesgo y flota, recibo trimestral",
                                r2(median * float(self.rng.uniform(0.98, 1.02))))], self.ref(supplier))
                elif schedule == "yearly" and month == 1:
                    self.bill(wdays[3], supplier, [(account, "Odoo Enterprise, suscripción anual 25 usuarios",
                                                    median)], self.ref(supplier), user=MJ)
                elif schedule == "adhoc" and self.rng.random() < 0.3:
                    net = r2(median * float(self.rng.lognormal(0, 0.4)))
                    label = "Mantenimiento carretillas" if account == "62200000" else "Catálogos y folletos"
                    self.bill(self.pick(wdays), supplier, [(account, label, net)], self.ref(supplier))
        day = dt.date(2024, 5, 14)
        self.bill(day, "Automóviles Turia S.A.", [("21800000", "Furgoneta Ford Transit Custom 320 L1", 36_500.0)],
                  self.ref("Automóviles Turia S.A."))

    def cash_year(self) -> None:
        texts = [("Correos envío documentación", 6, 25), ("Ferretería material almacén", 12, 85),
                 ("Parking y peajes reparto", 5, 30), ("Café y agua oficina", 15, 60),
                 ("Mensajería urgente muestras", 9, 45)]
        for month in range(1, 13):
            wdays = self.working_days(month)
            for _ in range(int(self.rng.integers(2, 6))):
                text, lo, hi = self.pick(texts)
                amount = r2(float(self.rng.uniform(lo, hi)))
                self.bank("CSH1", self.pick(wdays), text, [Line("62900000", amount, text)], role="cash")

    def payroll_year(self) -> None:
        base = 53_800.0
        for month in range(1, 13):
            end = month_end(2024, month)
            gross = base * float(self.rng.uniform(0.985, 1.02)) * (1.82 if month in (6, 12) else 1.0)
            if month >= 4:
                gross *= 1.03  # the convenio's 2024 raise from April
            contribution_base = base * 14 / 12 * (1.03 if month >= 4 else 1.0)
            ss_company = r2(contribution_base * 0.3190)
            ss_worker = r2(contribution_base * 0.0647)
            irpf = r2(gross * float(self.rng.uniform(0.138, 0.146)))
            net = r2(gross - ss_worker - irpf)
            gross = r2(net + ss_worker + irpf)
            text = f"Nómina {MONTHS[month - 1]} 2024"
            created = self.at(add_working_days(prev_working_day(end), -int(self.rng.integers(0, 3))), 9, 14)
            e = self.misc(end, [("64000000", gross, text), ("64200000", ss_company, text),
                                ("47510000", -irpf, text), ("47600000", -(ss_company + ss_worker), text),
                                ("46500000", -net, text)], created, ref=text, role="payroll")
            pay = prev_working_day(end)
            self.bank("BNK1", pay, f"TRANSFERENCIAS NOMINAS {MONTHS[month - 1].upper()}",
                      [Line("46500000", net, "Nómina " + MONTHS[month - 1])], role="salaries")
            due = prev_working_day(month_end(2024 + month // 12, month % 12 + 1))
            if due <= END:
                self.bank("BNK1", due, f"RECIBO TGSS COTIZACION {MONTHS[month - 1].upper()}",
                          [Line("47600000", r2(ss_company + ss_worker), "Seguros sociales " + MONTHS[month - 1],
                                TGSS)], partner=TGSS, role="ss")
            e.pay = ""
        self.bank("BNK1", prev_working_day(dt.date(2024, 1, 31)), "RECIBO TGSS COTIZACION DICIEMBRE",
                  [Line("47600000", 21_690.44, "Seguros sociales diciembre 2023", TGSS)], partner=TGSS, role="ss")

    def depreciation_year(self) -> None:
        migration = dt.datetime(2023, 11, 20, 11, 37, 12)
        for name, account, amount, done, life in ASSETS:
            for month in range(1, 13):
                k = done + month
                if k > life:
                    break
                text = f"{name} ({k}/{life})"
                end = month_end(2024, month)
                self.misc(end, [("68100000", amount, text), (account, -amount, text)],
                          migration + dt.timedelta(seconds=int(self.rng.integers(0, 40))), ref=text,
                          posted=dt.datetime.combine(end, dt.time(3, 0, 5)), role="depreciation")
        confirmed = self.at(dt.date(2024, 5, 27), 10, 12)
        amount = r2(36_500.0 / 96)
        for k, month in enumerate(range(6, 13), start=1):
            text = f"Furgoneta Ford Transit Custom 320 L1 ({k}/96)"
            end = month_end(2024, month)
            self.misc(end, [("68100000", amount, text), ("28180000", -amount, text)],
                      confirmed + dt.timedelta(seconds=k), ref=text,
                      posted=dt.datetime.combine(end, dt.time(3, 0, 5)), role="depreciation")

    # ------------------------------------------------------------------------------------------ settlements
    def settlements(self) -> None:
        """Customer receipts, remesas, supplier payments: the bank statement lines and their counterparts."""
        remesas: dict[dt.date, list[Entry]] = {}
        invoices = [e for e in self.opening if e.prefix == "INV"] + [e for e in self.entries if e.prefix == "INV" and e.pay and not e.kind]
        for inv in invoices:
            spec = CUSTOMERS[inv.partner]
            if inv.pay.startswith("remesa"):
                due = inv.date + dt.timedelta(30 if inv.pay == "remesa30" else 60)
                due = due.replace(day=10) if due.day <= 10 else (due.replace(day=25) if due.day <= 25 else
                                                                   month_end(due.year, due.month) + dt.timedelta(10))
                due = next_working_day(due)
                remesas.setdefault(due, []).append(inv)
            else:
                lag = float(self.rng.lognormal(np.log(spec[5]), 0.3))
                day = next_working_day(inv.date + dt.timedelta(int(lag)))
                inv.paid_on = day
                if START <= day <= END:
                    self.receipt(inv, day)
        for due in sorted(remesas):
            batch = remesas[due]
            for inv in batch:
                inv.paid_on = due
            if not START <= due <= END:
                continue
            counter = [Line("43000000", -inv.gross, "{inv}", inv.partner, settles=inv) for inv in batch]
            self.bank("BNK1", due, f"ABONO REMESA RECIBOS N19 VTO {due:%d/%m/%Y} ({len(batch)} RECIBOS)",
                      counter, role="remesa")
            self.bank("BNK1", due, f"COMISION GESTION REMESA VTO {due:%d/%m/%Y}",
                      [Line("62600000", r2(0.45 * len(batch)), "Comisión remesa")], role="fee")
            for inv in batch:
                if self.rng.random() < 0.03:  # returned, then paid by transfer
                    back = add_working_days(due, int(self.rng.integers(2, 6)))
                    if back > END:
                        continue
                    self.bank("BNK1", back, f"DEVOLUCION RECIBO {inv.partner.upper()} MOTIVO MD06",
                              [Line("43000000", inv.gross, "{inv}", inv.partner, settles=inv)],
                              partner=inv.partner, role="returned")
                    again = add_working_days(back, int(self.rng.integers(5, 15)))
                    inv.paid_on = again
                    if again <= END:
                        self.receipt(inv, again)
        # suppliers
        runs: dict[tuple[dt.date, str], list[Entry]] = {}
        bills = [e for e in self.opening if e.prefix == "BILL"] + [e for e in self.entries if e.prefix == "BILL" and e.pay and not e.kind]
        for bill in bills:
            if bill.pay in ("run", "run30"):
                ready = bill.date + dt.timedelta(60 if bill.pay == "run" else 30)
                day = ready.replace(day=25) if ready.day <= 25 else (
                    month_end(ready.year, ready.month) + dt.timedelta(25))
                day = prev_working_day(day)
                runs.setdefault((day, bill.partner), []).append(bill)
                bill.paid_on = day
            elif bill.pay == "debit":
                bill.paid_on = next_working_day(bill.date + dt.timedelta(int(self.rng.integers(3, 11))))
                if bill.paid_on <= END:
                    self.bank("BNK1", bill.paid_on, f"RECIBO {bill.partner.upper()} REF {bill.ref}",
                              [Line("40000000", -bill.gross, "{inv}", bill.partner, settles=bill)],
                              partner=bill.partner, role="debit")
            elif bill.pay == "rent":
                bill.paid_on = next_working_day(bill.date + dt.timedelta(4))
                self.bank("BNK1", bill.paid_on, f"TRANSFERENCIA A {bill.partner.upper()} ALQUILER",
                          [Line("40000000", -bill.gross, "{inv}", bill.partner, settles=bill)],
                          partner=bill.partner, role="rent")
        funding: dict[dt.date, float] = {}
        for (day, supplier), batch in sorted(runs.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            if not START <= day <= END:
                continue
            if SUPPLIERS[supplier][4] == "run":
                funding[day] = funding.get(day, 0.0) - sum(b.gross for b in batch)
            prefix = "BNK2" if SUPPLIERS[supplier][4] == "run" else "BNK1"
            self.bank(prefix, day, f"TRANSFERENCIA A {supplier.upper()}",
                      [Line("40000000", -b.gross, "{inv}", supplier, settles=b) for b in batch],
                      partner=supplier, role="run")

        for day, amount in sorted(funding.items()):  # CaixaBank funds the Sabadell payment run
            when = add_working_days(day, -int(self.rng.integers(1, 3)))
            amount = float(np.ceil(amount * 0.55 / 10_000) * 10_000)
            self.bank("BNK1", when, "TRASPASO A CTA. BANCO SABADELL",
                      [Line("57290000", amount, "Traspaso a Banco Sabadell")], role="transfer")
            self.bank("BNK2", when, "TRASPASO DE CTA. CAIXABANK",
                      [Line("57290000", -amount, "Traspaso de CaixaBank")], role="transfer")

    def receipt(self, inv: Entry, day: dt.date) -> Entry:
        prefix = "BNK2" if CUSTOMERS[inv.partner][1] in ("ue", "ext") else "BNK1"
        return self.bank(prefix, day, f"TRANSFERENCIA DE {inv.partner.upper()} FRA {{inv}}",
                         [Line("43000000", -inv.gross, "{inv}", inv.partner, settles=inv)], partner=inv.partner,
                         role="receipt")

    def bank_routines(self) -> None:
        balance = 158_400.0
        for month in range(1, 13):
            day = next_working_day(dt.date(2024, month, 5))
            interest = r2(balance * 0.0425 / 12)
            principal = r2(4_632.41 - interest)
            balance -= principal
            self.bank("BNK2", day, "CUOTA PRESTAMO ICO 0081-0216-XX-0001234567",
                      [Line("52000000", principal, "Amortización préstamo ICO"),
                       Line("66230000", interest, "Intereses préstamo ICO")], role="loan")
            end = prev_working_day(month_end(2024, month))
            self.bank("BNK1", end, "COMISION MANTENIMIENTO CUENTA", [Line("62600000", 35.0, "Comisión")],
                      role="fee")
            self.bank("BNK2", end, "COMISION ADMINISTRACION", [Line("62600000", 25.0, "Comisión")], role="fee")
            first = self.working_days(month)[int(self.rng.integers(0, 3))]
            self.bank("BNK1", first, "REINTEGRO CAJA OFICINA", [Line("57000001", 300.0, "Reposición caja")],
                      role="cash")
        # last year's tax returns (opening balances)
        self.bank("BNK1", dt.date(2024, 1, 22), "MODELO 111 4T 2023 AEAT",
                  [Line("47510000", 23_914.27, "Modelo 111 4T 2023", AEAT)], partner=AEAT, role="tax")
        self.bank("BNK1", dt.date(2024, 1, 22), "MODELO 115 4T 2023 AEAT",
                  [Line("47510000", 4_446.0, "Modelo 115 4T 2023", AEAT)], partner=AEAT, role="tax")
        self.bank("BNK1", dt.date(2024, 1, 30), "MODELO 303 4T 2023 AEAT",
                  [Line("47500000", 61_208.55, "Modelo 303 4T 2023", AEAT)], partner=AEAT, role="tax")

    def tax_quarters(self) -> None:
        """The quarterly IVA closing (modelo 303) and the 111/115 and 303 payments on the 20th."""
        carry = 0.0
        for q in range(4):
            lo, hi = dt.date(2024, 3 * q + 1, 1), month_end(2024, 3 * q + 3)
            out = inp = irpf = rent = 0.0
            for e in self.entries:
                if not lo <= e.date <= hi:
                    continue
                for ln in e.lines:
                    if ln.account == "47700000":
                        out += ln.amount
                    elif ln.account == "47200000":
                        inp += ln.amount
                    elif ln.account == "47510000" and ln.amount < 0:
                        if ln.label == RET19:
                            rent += ln.amount
                        else:
                            irpf += ln.amount
            out, inp = r2(out), r2(inp)
            result = r2(-out - inp)
            text = f"Modelo 303 {q + 1}T 2024"
            created = self.at(self.pick([d for d in days(hi + dt.timedelta(8), hi + dt.timedelta(18))
                                         if is_working_day(d)]), 9, 14)
            lines = [("47700000", -out, text), ("47200000", -inp, text)]
            if result < 0:  # a compensar in the next quarters
                lines.append(("47000000", -result, text, AEAT))
                carry = r2(carry - result)
            else:
                used = min(carry, result)
                if used:
                    lines.append(("47000000", -used, f"{text} (cuotas a compensar)", AEAT))
                carry, result = r2(carry - used), r2(result - used)
                if result:
                    lines.append(("47500000", -result, text, AEAT))
            self.misc(hi, lines, created, ref=text, role="vat")
            due = next_working_day(hi + dt.timedelta(20))
            if due <= END:
                if result > 0:
                    self.bank("BNK1", due, f"MODELO 303 {q + 1}T 2024 AEAT",
                              [Line("47500000", result, text, AEAT)], partner=AEAT, role="tax")
                self.bank("BNK1", due, f"MODELO 111 {q + 1}T 2024 AEAT",
                          [Line("47510000", r2(-irpf), f"Modelo 111 {q + 1}T 2024", AEAT)], partner=AEAT,
                          role="tax")
                self.bank("BNK1", due, f"MODELO 115 {q + 1}T 2024 AEAT",
                          [Line("47510000", r2(-rent), f"Modelo 115 {q + 1}T 2024", AEAT)], partner=AEAT,
                          role="tax")


@dataclass
class _Anomalies:
    b: _Books
    per_kind: int
    used: set = field(default_factory=set)

    @property
    def rng(self) -> np.random.Generator:
        return self.b.rng

    def label(self, kind: str, *entries: Entry) -> None:
        aid = f"{kind}-{len({e.aid for e in self.b.entries if e.kind == kind}) + 1:02d}"
        for e in entries:
            e.kind, e.aid, e.pay = kind, aid, ""

    def day(self, lo: dt.date = START + dt.timedelta(10), hi: dt.date = END - dt.timedelta(10)) -> dt.date:
        pool = [d for d in days(lo, hi) if is_working_day(d) and d.month != 8]
        return self.b.pick(pool)

    def shop(self) -> str:
        return self.b.pick([c for c, s in CUSTOMERS.items() if s[0] == "tienda" and s[1] == "nac"])

    def run(self) -> None:
        for kind in KINDS:
            for k in range(self.per_kind):
                getattr(self, kind)(k % 3)

    def amount_outlier(self, v: int) -> None:
        factor = float(self.rng.uniform(20, 60))
        d = self.day()
        if v == 0:
            s = self.b.pick(["Iberdrola Clientes S.A.U.", "Telefónica de España S.A.U.", "Solred S.A."])
            e = self.b.bill(d, s, [(SUPPLIERS[s][0], f"Suministro {MONTHS[d.month - 1]} 2024",
                                    r2(SUPPLIERS[s][2] * factor))], self.b.ref(s))
        elif v == 1:
            c = self.shop()
            items = self.b.tile_items(c)
            e = self.b.invoice(d, c, [(label, r2(net * factor)) for label, net in items])
        else:
            amount = r2(float(self.rng.uniform(20, 45)) * factor)
            e = self.b.bank("CSH1", d, "Ferretería material almacén", [Line("62900000", amount,
                                                                             "Ferretería material almacén")])
        self.label("amount_outlier", e)

    def unusual_account_combination(self, v: int) -> None:
        d = self.day()
        amount = r2(float(self.rng.uniform(1_500, 9_000)))
        if v == 0:
            e = self.b.misc(d, [("64000000", amount, "Regularización"), ("70000000", -amount, "Regularización")],
                            self.b.at(d), ref="Regularización")
        elif v == 1:
            c = self.shop()
            e = self.b.misc(d, [("62100000", amount, "Compensación alquiler"),
                                ("43000000", -amount, "Compensación alquiler", c)], self.b.at(d),
                            ref="Compensación")
        else:
            s = self.b.pick(FACTORIES)
            items = [("70000000", label, net) for _, label, net in self.b.factory_items(s)]
            e = self.b.bill(d, s, items, self.b.ref(s))
        self.label("unusual_account_combination", e)

    def weekend_holiday_posting(self, v: int) -> None:
        pool = [d for d in days(START + dt.timedelta(10), END - dt.timedelta(10)) if is_closed(d)
                and d.day > 1 and d != month_end(d.year, d.month) and d not in self.used]
        d = self.b.pick(pool)
        self.used.add(d)
        created = self.b.at(d, 9, 13)
        if v == 0:
            c = self.shop()
            e = self.b.invoice(d, c, self.b.tile_items(c), created=created)
        elif v == 1:
            s = self.b.pick(FACTORIES)
            e = self.b.bill(d, s, self.b.factory_items(s), self.b.ref(s), created=created)
        else:
            amount = r2(float(self.rng.uniform(300, 2_500)))
            e = self.b.misc(d, [("62900000", amount, "Ajuste gastos"), ("40000000", -amount, "Ajuste gastos",
                                                                         "Limpiezas Fuente del Jarro S.L.")],
                            created, ref="Ajuste")
        self.label("weekend_holiday_posting", e)

    def round_amount(self, v: int) -> None:
        amount = float(self.rng.choice(np.arange(10_000, 60_001, 5_000)))
        d = self.day()
        if v == 0:
            e = self.b.bank("BNK1", d, "TRANSFERENCIA A RAFAEL MARTINEZ SANCHIS",
                            [Line("55100000", amount, "Cuenta corriente administrador", RAFAEL)], partner=RAFAEL)
        elif v == 1:
            e = self.b.misc(d, [("64000000", amount, "Provisión retribución variable"),
                                ("46500000", -amount, "Provisión retribución variable")], self.b.at(d),
                            ref="Provisión")
        else:
            e = self.b.misc(d, [("57200002", amount, "Préstamo socio"), ("55100000", -amount, "Préstamo socio",
                                                                       RAFAEL)], self.b.at(d), ref="Préstamo")
        self.label("round_amount", e)

    def just_below_approval_limit(self, v: int) -> None:
        gross = float(self.rng.uniform(29_000, 29_990))
        net = r2(gross / 1.21)
        d = self.day()
        if v == 0:
            s = self.b.pick(FACTORIES)
            e = self.b.bill(d, s, self.b.factory_items(s, net), self.b.ref(s))
        elif v == 1:
            s = "Transportes Hermanos Climent S.L."
            e = self.b.bill(d, s, [("62400000", "Portes extraordinarios obra hotel", net)], self.b.ref(s))
        else:
            s = "Estanterías Metálicas Levante S.L."
            e = self.b.bill(d, s, [("62200000", "Reparación y refuerzo estanterías nave", net)], self.b.ref(s))
        self.label("just_below_approval_limit", e)

    def duplicate(self, v: int) -> None:
        d = self.day(hi=END - dt.timedelta(25))
        s = self.b.pick(FACTORIES)
        first = self.b.bill(d, s, self.b.factory_items(s), self.b.ref(s))
        if v == 2:
            created = first.created + dt.timedelta(minutes=int(self.rng.integers(5, 120)))
        else:
            created = self.b.at(add_working_days(first.created.date(), int(self.rng.integers(1, 5))))
        ref = first.ref if v != 1 else "".join(ch for ch in first.ref if ch.isalnum())
        if ref == first.ref and v == 1:
            ref = first.ref.replace("-", "")
        items = [(ln.account, ln.label, ln.amount) for ln in first.lines if ln.account == "60000000"]
        second = self.b.bill(d, s, items, ref, created=created)
        self.label("duplicate", second)

    def backdated(self, v: int) -> None:
        lag = int(self.rng.integers(45, 151))
        keyed = self.day(lo=START + dt.timedelta(lag + 10), hi=END)
        dated = prev_working_day(keyed - dt.timedelta(lag))
        created = self.b.at(keyed)
        if v == 0:
            s = self.b.pick(FACTORIES)
            e = self.b.bill(dated, s, self.b.factory_items(s), self.b.ref(s), created=created)
        elif v == 1:
            c = self.shop()
            e = self.b.invoice(dated, c, self.b.tile_items(c), created=created)
        else:
            amount = r2(float(self.rng.uniform(400, 4_000)))
            e = self.b.misc(dated, [("62900000", amount, "Corrección gastos"),
                                    ("62200000", -amount, "Corrección gastos")], created, ref="Corrección")
        self.label("backdated", e)

    def unusual_user(self, v: int) -> None:
        d = self.day()
        if v == 0:
            s = self.b.pick(FACTORIES)
            e = self.b.bill(d, s, self.b.factory_items(s), self.b.ref(s), user=RAFAEL, created=self.b.at(d))
        elif v == 1:
            amount = r2(float(self.rng.uniform(500, 4_000)))
            e = self.b.misc(d, [("70010000", amount, "Reclasificación ventas"),
                                ("70000000", -amount, "Reclasificación ventas")], self.b.at(d), user=LAURA,
                            ref="Reclasificación")
        else:
            c = self.shop()
            amount = r2(float(self.rng.uniform(300, 3_000)))
            e = self.b.bank("BNK1", d, f"COBRO {c.upper()}", [Line("43000000", -amount, "Cobro en mano", c)],
                            partner=c, user=LAURA, created=self.b.at(d))
        self.label("unusual_user", e)

    def broken_vat_ratio(self, v: int) -> None:
        factor = float(self.rng.choice([0.18, 0.16, 0.10, 0.21 / 1.21]))
        d = self.day()
        if v in (0, 2):
            c = self.shop()
            e = self.b.invoice(d, c, self.b.tile_items(c), vat_factor=factor)
        else:
            s = self.b.pick(FACTORIES)
            e = self.b.bill(d, s, self.b.factory_items(s), self.b.ref(s), vat_factor=factor)
        self.label("broken_vat_ratio", e)

    def period_end_reversal(self, v: int) -> None:
        months = [m for m in range(1, 12) if m != 7 and m not in self.used]
        month = self.b.pick(months)
        self.used.add(month)
        end = prev_working_day(month_end(2024, month))
        back = add_working_days(month_end(2024, month), int(self.rng.integers(1, 4)))
        c = self.b.pick([c for c, s in CUSTOMERS.items() if s[0] == "obra"])
        net = r2(float(self.rng.uniform(8_000, 35_000)))
        text = f"Ventas pendientes de facturar {MONTHS[month - 1]} 2024"
        if v != 1:
            first = self.b.misc(end, [("43000000", net, text, c), ("70000000", -net, text, c)],
                                self.b.at(end, 15, 18.5), ref=text)
            second = self.b.misc(back, [("43000000", -net, text, c), ("70000000", net, text, c)],
                                 self.b.at(back), ref="")
        else:
            items = [(f"Suministro material obra {MONTHS[month - 1]} 2024", net)]
            first = self.b.invoice(end, c, items, created=self.b.at(end, 15, 18.5))
            second = self.b.invoice(back, c, items, created=self.b.at(back), sign=-1)
        second.reverses = first
        self.label("period_end_reversal", first, second)

    def unbalanced_voucher(self, v: int) -> None:
        d = self.day()
        if v == 0:
            s = self.b.pick(FACTORIES)
            e = self.b.bill(d, s, self.b.factory_items(s), self.b.ref(s), vat_line=False)
        elif v == 1:
            a = int(self.rng.integers(100_000, 999_999))
            digits = str(a)
            i = int(self.rng.integers(0, 5))
            while digits[i] == digits[i + 1]:
                i = (i + 1) % 5
            swapped = int(digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:])
            text = f"Nómina complementaria {MONTHS[d.month - 1]} 2024"
            gross = a / 100 * 3.2
            irpf = r2(gross * 0.14)
            e = self.b.misc(d, [("64000000", r2(gross), text), ("64200000", a / 100, text),
                                ("47510000", -irpf, text), ("47600000", -swapped / 100, text),
                                ("46500000", -(r2(gross) - irpf), text)], self.b.at(d), ref=text)
        else:
            c = self.shop()
            amount = r2(float(self.rng.uniform(400, 4_000)))
            delta = float(self.rng.choice([0.01, 0.10, 1.0, 10.0, -9.0]))
            e = self.b.bank("BNK1", d, f"TRANSFERENCIA DE {c.upper()}", [Line("43000000", -amount, "Cobro", c)],
                            partner=c, delta=delta)
        self.label("unbalanced_voucher", e)

    def daily_spike(self, v: int) -> None:
        d = self.day()
        n = int(self.rng.integers(15, 31))
        t = self.b.at(d, 9, 11)
        entries = []
        for _ in range(n):
            t += dt.timedelta(seconds=int(self.rng.integers(40, 400)))
            if v == 0:
                c = "Reformas Integrales Ruzafa S.L."
                net = r2(float(self.rng.lognormal(np.log(900), 0.5)))
                item = f"Albarán AT24/{int(self.rng.integers(1_000, 9_999)):05d} del {d:%d/%m/%Y}"
                entries.append(self.b.invoice(d, c, [(item, net)], created=t))
            elif v == 1:
                s = "Palletways Iberia S.L."
                net = r2(float(self.rng.lognormal(np.log(85), 0.4)))
                entries.append(self.b.bill(d, s, [("62400000", "Envío palet red Palletways", net)],
                                           self.b.ref(s), created=t))
            else:
                c = self.shop()
                entries.append(self.b.bank("BNK1", d, f"COMISION DEVOLUCION RECIBO {c.upper()}",
                                           [Line("62600000", r2(float(self.rng.uniform(2.5, 4.5))),
                                                 "Comisión devolución")], partner=c, user=BOT,
                                           created=dt.datetime.combine(d + dt.timedelta(1), dt.time(5, 31))
                                           + dt.timedelta(seconds=len(entries))))
        self.label("daily_spike", *entries)


def _number(books: _Books) -> None:
    """Every entry gets its number when posted, in posting order within its sequence (yearly or monthly)."""
    counters: dict[tuple, int] = {}
    for e in sorted(books.entries, key=lambda e: (e.posted, e.seq)):
        key = (e.prefix, e.date.year, e.date.month if e.prefix in MONTHLY else 0)
        counters[key] = counters.get(key, 0) + 1
        n = counters[key]
        e.name = (f"{e.prefix}/{e.date.year}/{e.date.month:02d}/{n:04d}" if e.prefix in MONTHLY
                  else f"{e.prefix}/{e.date.year}/{n:05d}")


def _build(seed: int, per_kind: int) -> _Books:
    books = _Books(np.random.default_rng(seed))
    books.last_year()
    books.sales_year()
    books.purchases_year()
    books.cash_year()
    books.payroll_year()
    books.depreciation_year()
    _Anomalies(books, per_kind).run()
    books.settlements()
    books.bank_routines()
    books.tax_quarters()
    _number(books)
    return books


def _rows(books: _Books) -> pd.DataFrame:
    rows = []
    order = sorted(books.entries, key=lambda e: e.seq)
    order.sort(key=lambda e: e.name, reverse=True)
    order.sort(key=lambda e: e.date, reverse=True)
    for e in order:
        ref = e.ref
        if e.reverses is not None:
            ref = f"Reversión de: {e.reverses.name}"
        for ln in e.lines:
            label = ln.label
            if "{self}" in label:
                label = label.replace("{self}", e.name)
            settles = ln.settles or next((x.settles for x in e.lines if x.settles is not None), None)
            if "{inv}" in label and settles is not None:
                label = label.replace("{inv}", settles.name)
            reconciled = False
            if ln.account in ("43000000", "40000000"):
                target = ln.settles if ln.settles is not None else (e if ln.counter else None)
                if target is e and e.prefix == "RINV" and not e.kind:
                    reconciled = True  # set off against the customer's next invoice
                elif target is not None and target.paid_on is not None:
                    reconciled = target.paid_on <= EXPORTED
            debit, credit = max(ln.amount, 0.0) + 0.0, max(-ln.amount, 0.0) + 0.0
            rows.append((
                pd.Timestamp(e.date), e.name, JOURNALS[e.prefix], f"{ln.account} {ACCOUNTS[ln.account]}",
                ln.partner, ref, label, ln.taxes, r2(debit), r2(credit), reconciled, e.user,
                pd.Timestamp(to_utc(e.created)), pd.Timestamp(e.date), pd.Timestamp(e.created), e.prefix, e.name,
                e.kind, e.aid,
            ))
    return pd.DataFrame(rows, columns=[*HEADER, "date", "created", "journal", "voucher", "anomaly_kind",
                                       "anomaly_id"])


def generate_odoo(seed: int, per_kind: int = 6) -> pd.DataFrame:
    """The company's labelled year: one row per journal item of the Odoo export, in file order."""
    return _rows(_build(seed, per_kind))


def write_odoo(ledger: pd.DataFrame, path: str | Path) -> Path:
    """The Journal Items xlsx for `ledger` (as `generate_odoo` returned it). A folder gets FILE_NAME."""
    path = Path(path)
    if path.is_dir():
        path = path / FILE_NAME
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(HEADER)
    bold = Font(bold=True)
    for cell in ws[1]:
        cell.font = bold
    for row in ledger[HEADER].itertuples(index=False):
        cells = list(row)
        cells[0] = cells[0].date()
        cells[12] = cells[12].to_pydatetime()
        ws.append([None if c == "" else c for c in cells])
    for r in ws.iter_rows(min_row=2):
        r[0].number_format = "yyyy-mm-dd"
        r[8].number_format = "#,##0.00"
        r[9].number_format = "#,##0.00"
        r[12].number_format = "yyyy-mm-dd hh:mm:ss"
    for letter, width in zip("ABCDEFGHIJKLM", [11, 20, 22, 40, 34, 30, 44, 38, 12, 12, 10, 22, 19], strict=True):
        ws.column_dimensions[letter].width = width
    wb.save(path)
    return path


def main(argv: list[str] | None = None) -> int:
    return generator_main(
        argv, __doc__.splitlines()[0], generate_odoo, write_odoo, "voucher", seed=101, out=FILE_NAME
    )


if __name__ == "__main__":
    main()
