"""What headers mean: whole-header synonyms and a word vocabulary per canonical field and language.

Two layers. `SYNONYMS` lists whole headers seen in real exports (compared after `header_key`). `WORDS` lists
the words headers are built from, by role and language; `header_match` splits a header into such words
(currency codes, units and bracketed qualifiers removed, compounds split) and decides the field from them,
so that "Withdrawals (SGD)", "Buchungsbetrag" or "Gross Debit (GC)" need no entry of their own.
"""

from __future__ import annotations

# canonical field -> header synonyms, compared after `header_key` (lowercase, accents and punctuation removed)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "posting_date": (
        "date", "postingdate", "bookingdate", "bookdate", "transactiondate", "journaldate",
        "accountingdate", "datebooked", "dateprocessed", "datum", "buchungstag", "buchungsdatum",
        "bokforingsdatum", "bokforingsdag", "bokfdatum", "transaktionsdatum", "verdatum", "fecha",
        "fechaoperacion", "fechacontable", "dateoperation", "datecomptable", "datedoperation", "boekdatum",
        "boekingsdatum", "transactiedatum", "datumprovedeni", "datumzauctovani", "tranzakciodatuma",
        "dateposted", "datetransacted", "dato", "bokfortdatum", "posted", "valuedateposted",
        "postdate", "completeddate", "transaktionsdag", "reskontradatum", "dataoperacji", "dataksiegowania",
        "datacontabile", "dataoperazione", "datarejestracji", "bokforingsdagen", "bookingdatetime",
    ),
    "value_date": (
        "valuedate", "valutadatum", "valuta", "wertstellung", "valutadag", "rentedatum", "datedevaleur",
        "fechavalor", "datevaleur", "executiondate", "erteknap", "valordatum", "datavaluta", "valutadato", "rentedato", "datawaluty", "valuedatetime",
    ),
    "registration_date": (
        "registrationdate", "regdate", "registreringsdatum", "createddate", "systementrydate", "entrytime",
        "erfassungsdatum", "enteredon", "createdat", "inputdate", "createdon", "aangemaakt", "aangemaakton",
        "creadoel", "fechacreacion", "erstelltam", "datecreation",
    ),
    "posted_at": ("time", "transactiontime", "tid", "uhrzeit", "heure", "hora", "timestamp", "datetime"),
    "amount": (
        "amount", "netamount", "transactionamount", "belopp", "betrag", "umsatz", "montant", "importe",
        "bedrag", "bedrageur", "amounteur", "amountczk", "amountsek", "amountusd", "amountgbp", "zauctovanacastka",
        "tranzakcioosszege", "sum", "summa", "value", "saldoeffekt", "beloppsek", "transaktionsbelopp",
        "totalamount", "amountchf", "castka", "osszeg", "kwota", "suma", "bedragvaluta", "amountvalue",
        "gross", "grossamount", "transactionamountamount", "importo", "belob", "belop", "belobdkk", "belopnok", "kwotaoperacji",
    ),
    "debit": (
        "debit", "debitamount", "debet", "soll", "sollbetrag", "withdrawal", "withdrawals", "moneyout",
        "paidout", "debe", "cargo", "cargos", "uttag", "debitchf", "debiteur", "debetbedrag", "afschrijving",
        "ausgang", "ausgabe", "utbetalning", "paymentout", "outflow", "dare", "utfrakonto", "uttakkonto", "obciazenia",
    ),
    "credit": (
        "credit", "creditamount", "kredit", "haben", "habenbetrag", "deposit", "deposits", "moneyin", "paidin",
        "haber", "abono", "abonos", "insattning", "creditchf", "crediteur", "creditbedrag", "bijschrijving",
        "eingang", "einnahme", "inbetalning", "paymentin", "inflow", "avere", "innpakonto", "uznania",
    ),
    "account": (
        "account", "accountnumber", "accountno", "accountcode", "accountid", "konto", "kontonr",
        "kontonummer", "kontonr", "compte", "numerocompte", "cuenta", "numerocuenta", "rekening",
        "rekeningnummer", "grootboekrekening", "glaccount", "ledgeraccount", "auftragskonto", "ibanbban",
        "iban", "sachkonto", "glcode", "nominalcode", "nc", "nominal", "nomcode", "nominalaccount", "nominalac",
        "ac", "acno", "acnumber", "accode", "acref",
    ),
    "account_name": (
        "accountname", "kontonamn", "kontoname", "kontobezeichnung", "libellecompte", "nombrecuenta",
        "rekeningnaam", "accountdescription", "glaccountname", "nazevuctu", "szamlaneve",
    ),
    "currency": (
        "currency", "curr", "ccy", "currencycode", "valutakod", "wahrung", "waehrung", "devise", "moneda",
        "munt", "menaucru", "menauctu", "tranzakciodevizaneme", "isocurrencycode",
    ),
    "description": (
        "description", "text", "memo", "narrative", "details", "bookingtext", "buchungstext", "label", "etiqueta",
        "verwendungszweck", "beskrivning", "transaktionstext", "vertext", "libelle", "concepto",
        "omschrijving", "omschrijving1", "paymentreference", "paymentpurpose", "purpose", "reason",
        "message", "zprava", "kozlemeny", "description1", "transactiondescription", "particulars",
        "messageforpayee", "referencetext", "mededeling", "vrijemededeling",
        "tekst", "forklaring", "rubrik", "textmottagare", "descrizione", "opisoperacji", "opis", "tytul", "tytulem", "naamomschrijving", "mededelingen", "causale",
        "transactioninformation", "remittanceinformation", "remittanceinformationunstructured",
        "additionalinformation",
    ),
    "counterparty": (
        "counterparty", "payee", "payer", "partnername", "beguenstigterzahlungspflichtiger",
        "auftraggeberempfanger", "empfanger", "auftraggeber", "naamtegenpartij", "tegenpartij", "motpart",
        "mottagare", "counteraccountname", "nazevprotiuctu", "partnerneve", "name", "merchant",
        "merchantname", "customer", "supplier", "vendor", "beneficiary", "tiers", "beneficiario", "prijemce",
        "protistrana", "nazevprotistrany", "odbiorca", "kontrahent", "creditorname", "debtorname", "avsandare",
        "begunstigterauftraggeber", "nadawcaodbiorca", "compauxlib", "contact", "contactname", "contacto",
        "partner", "empresa", "tercero", "relatie", "relatienaam", "relation", "geschaftspartner",
    ),
    "voucher_id": (
        "voucher", "voucherid", "vouchernumber", "voucherno", "journalnumber", "journalno", "journalid",
        "journalentry", "entrynumber", "documentnumber", "docno", "verifikation", "verifikationsnummer",
        "vernr", "beleg", "belegnummer", "belegnr", "bilag", "bilagsnummer", "asiento", "numeroasiento",
        "piece", "numeropiece", "boekstuk", "boekstuknummer", "transactionnumber", "jenumber", "num",
        "tranno", "transno", "trannumber", "transnumber", "transactionno", "txnno", "txnnumber", "no", "nr",
    ),
    "voucher_type": (
        "type", "transactiontype", "vouchertype", "journaltype", "entrytype", "documenttype", "doctype", "source",
        "sourcetype", "txntype", "transtype", "trantype", "transactionkind", "bilagstype", "bilagsart",
        "verifikationstyp", "vertyp", "belegart", "buchungsart", "buchungstyp", "umsatzart", "typ", "art",
        "typedepiece", "typeecriture", "tipodocumento", "tipoasiento", "boekingssoort", "transactietype",
        "transaktionstyp", "transaktionstype", "posteringstype",
    ),
    "line_number": ("line", "linenumber", "lineno", "rad", "radnummer", "zeile", "ligne", "linea", "regel"),
    "user_name": (
        "user", "username", "userid", "createdby", "enteredby", "preparedby", "preparer", "sign", "signatur",
        "benutzer", "bearbeiter", "usuario", "utilisateur", "gebruiker", "anvandare", "postedby",
        "creadopor", "creadapor", "aangemaaktdoor", "gemaaktdoor", "erstelltvon", "angelegtvon", "creepar",
        "skapadav", "opprettetav", "oprettetaf",
    ),
    "reference": (
        "reference", "ref", "referencenumber", "pspreference", "transactionid", "transactionreference", "referenz",
        "referens", "referencia", "transactiereferentie", "idtransakce", "id", "checknumber", "zkbreference",
        "megbizasazonosito",
    ),
}

# bare number headers ("No", "Nr") name a voucher only where their cells group rows: otherwise a row counter
VOUCHER_IF_GROUPED = frozenset(("no", "nr"))
# headers and words naming the general ledger's account ("N/C" is Sage's nominal code): where two columns name an
# account, this one is the account and the other a customer's or supplier's account (Sage's "A/C")
GENERAL_LEDGER_HEADERS = frozenset(("nc", "nominal", "nominalcode", "nomcode", "nominalaccount", "nominalac",
                                    "glaccount", "glcode", "ledgeraccount", "sachkonto", "grootboekrekening"))
GENERAL_LEDGER_WORDS = frozenset(("nominal", "gl", "ledger", "sachkonto", "grootboek", "grootboekrekening",
                                  "hauptbuch", "huvudbok", "hovedbok"))

# role -> language -> words (lowercase ASCII, as `header_match.tokens` writes them). A header's field is decided by
# its head word (the last word that names a kind of value: date, amount, account, ...) and its modifiers.
WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    # heads
    "date": {"en": ("date", "dated", "day", "dt"), "de": ("datum", "tag"), "sv": ("datum", "dag"),
             "da/no": ("dato", "dag"), "nl": ("datum",), "fr": ("date",), "es": ("fecha",), "it": ("data",),
             "pl": ("data",), "cs": ("datum",), "hu": ("datum", "datuma"), "fi": ("paiva", "pvm")},
    "time": {"en": ("time", "timestamp", "datetime"), "de": ("uhrzeit", "zeit"), "sv": ("tid", "klockslag"),
             "fr": ("heure",), "es": ("hora",), "it": ("ora",)},
    "amount": {"en": ("amount", "amt", "sum", "gross", "net", "value", "total", "cost"),
               "de": ("betrag", "umsatz", "summe", "brutto", "netto"), "sv": ("belopp", "summa", "netto"),
               "da/no": ("belob", "belop", "sum"), "nl": ("bedrag",), "fr": ("montant", "somme"),
               "es": ("importe", "monto", "neto"), "it": ("importo",), "pl": ("kwota", "suma"), "cs": ("castka",),
               "hu": ("osszeg", "osszege"), "fi": ("summa", "maara")},
    "debit": {"en": ("debit", "debits", "withdrawal", "withdrawals", "outflow", "outgoing", "spent", "paidout",
                     "moneyout"),
              "de": ("soll", "lastschrift", "ausgang", "ausgehend", "ausgabe", "ausgaben", "belastung"),
              "sv": ("debet", "uttag", "utbetalning", "utbetalningar"), "da/no": ("debet", "uttak"),
              "nl": ("debet", "afschrijving"), "fr": ("debit", "sortie", "sorties"),
              "es": ("debe", "cargo", "cargos", "salida"), "it": ("dare", "uscite", "uscita", "addebiti", "addebito"),
              "pl": ("obciazenia", "wydatki"), "cs": ("vydaj", "vydej", "debet"), "hu": ("kiadas", "terheles")},
    "credit": {"en": ("credit", "credits", "deposit", "deposits", "inflow", "incoming", "received", "paidin",
                      "moneyin"),
               "de": ("haben", "gutschrift", "eingang", "eingehend", "einnahme", "einnahmen"),
               "sv": ("kredit", "insattning", "inbetalning", "inbetalningar"), "da/no": ("kredit", "innskudd"),
               "nl": ("credit", "bijschrijving"), "fr": ("credit", "entree", "entrees"),
               "es": ("haber", "abono", "abonos", "entrada"),
               "it": ("avere", "entrate", "entrata", "accrediti", "accredito"), "pl": ("uznania", "wplywy"),
               "cs": ("prijem", "kredit"), "hu": ("jovairas", "bevetel")},
    "account": {"en": ("account", "acct", "acc", "ledger", "nominal", "gl"), "de": ("konto", "sachkonto"),
                "sv": ("konto",), "da/no": ("konto",), "nl": ("rekening", "grootboek", "grootboekrekening"),
                "fr": ("compte",), "es": ("cuenta",), "it": ("conto",), "pl": ("konto", "rachunek"),
                "cs": ("ucet", "uctu"), "hu": ("szamla", "szamlaszam"), "fi": ("tili",)},
    "voucher": {"en": ("voucher", "journal", "document", "doc", "je"), "de": ("beleg", "belegfeld"),
                "sv": ("verifikation", "verifikat", "ver"), "da/no": ("bilag",), "nl": ("boekstuk",),
                "fr": ("piece", "ecriture"), "es": ("asiento", "comprobante"), "it": ("registrazione", "protocollo"),
                "pl": ("dowod",), "fi": ("tosite",)},
    "user": {"en": ("user", "username", "userid", "operator", "clerk", "preparer", "creator", "owner"),
             "de": ("benutzer", "bearbeiter", "erfasser", "anwender"), "sv": ("anvandare", "signatur", "sign"),
             "da/no": ("bruker", "bruger", "signatur"), "nl": ("gebruiker",), "fr": ("utilisateur",),
             "es": ("usuario",), "it": ("utente",), "pl": ("uzytkownik",)},
    "text": {"en": ("description", "desc", "text", "memo", "narrative", "details", "detail", "purpose", "particulars",
                    "remark", "remarks", "comment", "note", "notes", "narration", "message"),
             "de": ("text", "verwendungszweck", "beschreibung", "bemerkung", "zweck"),
             "sv": ("text", "beskrivning", "meddelande", "rubrik"), "da/no": ("tekst", "beskrivelse", "forklaring"),
             "nl": ("omschrijving", "mededeling", "mededelingen"),
             "fr": ("libelle", "lib", "description", "commentaire"),
             "es": ("concepto", "descripcion"), "it": ("descrizione", "causale"), "pl": ("opis", "tytul"),
             "cs": ("zprava", "popis"), "hu": ("kozlemeny", "leiras")},
    "party": {"en": ("counterparty", "payee", "payer", "beneficiary", "merchant", "vendor", "supplier",
                     "customer", "partner", "name", "creditor", "debtor", "contact"),
              "de": ("empfanger", "auftraggeber", "zahlungsempfanger", "name", "kunde", "lieferant"),
              "sv": ("motpart", "mottagare", "avsandare", "namn", "kund", "leverantor"),
              "da/no": ("mottaker", "modtager", "navn"), "nl": ("tegenpartij", "naam", "begunstigde"),
              "fr": ("tiers", "beneficiaire", "nom"), "es": ("beneficiario", "nombre"), "it": ("beneficiario",),
              "pl": ("odbiorca", "nadawca", "kontrahent"), "cs": ("prijemce", "protistrana"), "hu": ("partner",)},
    "currency": {"en": ("currency", "curr", "ccy", "cur"), "de": ("wahrung", "waehrung", "wkz"),
                 "sv": ("valuta",), "da/no": ("valuta",), "nl": ("munt", "valuta"), "fr": ("devise", "monnaie"),
                 "es": ("moneda", "divisa"), "it": ("valuta", "divisa"), "pl": ("waluta",), "cs": ("mena",),
                 "hu": ("deviza", "devizanem")},
    "reference": {"en": ("reference", "ref"), "de": ("referenz",), "sv": ("referens",), "da/no": ("referanse",),
                  "nl": ("referentie",), "fr": ("reference",), "es": ("referencia",), "it": ("riferimento",)},
    # modifiers
    "posting": {"en": ("posting", "post", "posted", "booking", "book", "booked", "transaction", "accounting",
                       "journal", "settlement", "settled", "completed", "effective"),
                "de": ("buchung", "buchungs", "gebucht"), "sv": ("bokforing", "bokford", "bokfort", "bokf",
                                                                 "transaktion"),
                "da/no": ("bokforing", "bokfort", "bogforing", "bogfort"), "nl": ("boeking", "boek", "transactie"),
                "fr": ("comptable", "operation", "comptabilisation"), "es": ("contable", "operacion"),
                "it": ("contabile", "operazione", "registrazione"), "pl": ("ksiegowania", "operacji")},
    "value": {"en": ("value", "valuation"), "de": ("valuta", "wertstellung", "wert"), "sv": ("valuta", "likviddag"),
              "nl": ("valuta", "rente"), "fr": ("valeur",), "es": ("valor",), "it": ("valuta",)},
    "registration": {"en": ("registration", "registered", "created", "creation", "entered", "entry", "input",
                            "recorded", "system", "inserted", "valid", "validated", "validation", "create"),
                     "de": ("erfassung", "erfasst", "angelegt", "erstellt", "erstellung"),
                     "sv": ("registrering", "registrerad", "registrerat", "skapad", "reg"),
                     "da/no": ("registrert", "registreret", "opprettet", "oprettet", "registrering"),
                     "nl": ("invoer", "aangemaakt", "registratie"), "fr": ("saisie", "creation", "cree", "validation", "valide"),
                     "es": ("registro", "creacion", "alta"), "it": ("inserimento", "creazione")},
    "name": {"en": ("name", "description", "title", "label"), "de": ("name", "bezeichnung", "beschreibung"),
             "sv": ("namn", "benamning", "beskrivning"), "da/no": ("navn", "beskrivelse"), "nl": ("naam",),
             "fr": ("nom", "libelle", "lib", "intitule"), "es": ("nombre", "descripcion"), "it": ("descrizione", "nome"),
             "cs": ("nazev",), "hu": ("neve", "nev")},
    "number": {"en": ("number", "no", "nr", "num", "id", "code", "key"), "de": ("nummer", "nr"),
               "sv": ("nummer", "nr"), "da/no": ("nummer", "nr"), "nl": ("nummer",), "fr": ("numero",),
               "es": ("numero",), "it": ("numero",)},
    "by": {"en": ("by",), "de": ("von",), "sv": ("av",), "da/no": ("av", "af"), "nl": ("door",), "fr": ("par",),
           "es": ("por",), "it": ("da",)},
    # a part of the money that is not the transaction's amount: never the amount, debit or credit
    "charge": {"en": ("fee", "fees", "commission", "markup", "interchange", "tax", "vat", "gst", "tip", "shipping",
                      "discount", "rate", "exchange", "refunded", "quantity", "qty", "price", "percent", "limit"),
               "de": ("gebuhr", "gebuehr", "gebuhren", "steuer", "mwst", "ust", "kurs", "skonto", "menge", "provision"),
               "sv": ("avgift", "moms", "skatt", "kurs", "antal", "kvantitet"), "da/no": ("gebyr", "mva", "moms"),
               "nl": ("kosten", "btw", "koers"), "fr": ("frais", "tva", "taux"), "es": ("comision", "iva", "tasa"),
               "it": ("commissione", "commissioni", "spese", "iva", "cambio")},
    # an amount in another currency or after deductions: taken only when no better amount column exists
    "secondary": {"en": ("original", "orig", "foreign", "fx", "instructed", "converted", "net", "base"),
                  "de": ("original", "ursprung", "ursprungs", "fremdwahrung", "basis", "netto", "haus", "hauswahrung"),
                  "sv": ("ursprunglig", "netto"), "fr": ("origine", "net"), "es": ("original", "neto"),
                  "it": ("originale", "netto")},
    # a date that is not when the transaction happened or was posted
    "other_date": {"en": ("due", "expiry", "expiration", "maturity", "birth", "start", "end", "from", "to",
                          "period", "payout", "available", "cleared", "clearing", "modified", "updated", "changed",
                          "invoice", "delivery", "order", "paid", "last"),
                   "de": ("faellig", "fallig", "falligkeit", "leistung", "rechnung", "geandert"),
                   "sv": ("forfallo", "forfallodatum", "faktura", "andrad"), "da/no": ("forfall", "forfalls"),
                   "fr": ("echeance",), "es": ("vencimiento",), "it": ("scadenza",)},
    # an account that is not the one the row posts to, or a property of the account
    "other_account": {"en": ("counter", "contra", "offset", "split", "type", "class", "category", "group",
                             "holder", "owner", "balance", "status"),
                      "de": ("gegen", "gegenkonto", "inhaber", "art", "typ", "gruppe"),
                      "sv": ("mot", "motkonto", "typ", "grupp"), "da/no": ("mot", "modkonto"),
                      "nl": ("tegen", "tegenrekening", "soort"), "fr": ("contrepartie", "type"),
                      "es": ("contrapartida", "tipo"), "it": ("contropartita", "tipo")},
    # a property of a voucher, user or party that is not its identity
    "attribute": {"en": ("type", "kind", "series", "status", "email", "address", "country", "city", "phone",
                         "iban", "bic", "swift", "zip", "postal", "category", "group", "tax", "vat", "line", "card"),
                  "de": ("art", "typ", "serie", "adresse", "land", "ort"), "sv": ("serie", "typ", "adress", "land"),
                  "da/no": ("serie", "type", "adresse"), "nl": ("soort", "adres"), "fr": ("type", "adresse", "pays"),
                  "es": ("tipo", "serie", "direccion", "pais"), "it": ("tipo", "serie", "indirizzo")},
}

# headers naming the journal or voucher series an entry belongs to (FEC's JournalCode): read with the voucher number
# where numbers restart per series, never as the voucher itself
SERIES_HEADERS = frozenset(("journalcode", "codejournal", "series", "serie", "voucherseries", "journalseries",
                            "verifikationsserie", "verserie", "bilagsserie", "belegserie", "seriedocumento",
                            "dagboek", "dagboekcode", "diario", "journaal"))
# headers that name no field although their words would: FEC's journal label, lettering code and date, and its
# amount in a foreign currency with that currency (not the currency of the debit and credit loaded)
NO_FIELD_HEADERS = frozenset(("journallib", "libellejournal", "journalname", "journaldescription", "ecriturelet",
                              "datelet", "lettrage", "datelettrage", "montantdevise", "idevise"))

# headers (after `header_key`) and header words naming an analysis dimension: a department, cost centre or project
# column, read into `dimensions` as {header: value}
DIMENSION_HEADERS = frozenset((
    "department", "dept", "costcenter", "costcentre", "costcentercode", "costcentrecode", "profitcenter",
    "profitcentre", "businessunit", "kostnadsstalle", "kst", "resultatenhet", "avdelning", "avdeling", "afdeling",
    "abteilung", "kostenstelle", "kostentrager", "kostentraeger", "kostensteller", "afdelingsnummer",
    "avdelingsnummer", "project", "projectcode", "projectnumber", "projekt", "prosjekt", "projet", "proyecto",
    "progetto", "centredecout", "centrodecoste", "kostenplaats", "dimension", "dim1", "dim2", "dim3",
))
DIMENSION_WORDS = frozenset(("department", "dept", "avdeling", "avdelning", "afdeling", "abteilung", "kostenstelle",
                             "kostnadsstalle", "project", "projekt", "prosjekt", "dimension"))

# prepositions: words after one qualify the words before it ("Amount in local currency", "Date of entry")
PREPOSITIONS = frozenset(("in", "of", "im", "der", "des", "en", "i", "pa", "per", "de", "du", "del", "di", "w", "v"))

# ISO 4217 codes seen in exports' headers ("Amount EUR", "Castka CZK", "Withdrawals (SGD)"): dropped as units
CURRENCY_CODES = frozenset((
    "eur", "usd", "gbp", "sek", "nok", "dkk", "isk", "chf", "czk", "pln", "huf", "ron", "bgn", "hrk", "rsd",
    "uah", "rub", "trl", "jpy", "cny", "rmb", "hkd", "sgd", "myr", "idr", "thb", "php", "vnd", "krw", "twd",
    "inr", "pkr", "lkr", "bdt", "aud", "nzd", "cad", "mxn", "brl", "ars", "clp", "cop", "pen", "zar", "ngn",
    "kes", "egp", "mad", "aed", "sar", "qar", "kwd", "ils", "ltl", "lvl", "eek", "gc", "nc", "lc", "dc", "fc",
))
# units and filler words that carry no meaning for the field
FILLER = frozenset(("the", "a", "an", "and", "und", "och", "og", "en", "et", "y", "e", "utc", "gmt", "cet", "cest",
                    "kr"))

# words that name a registration / a posting on their own, without a date word ("Created", "Registered", "Posted")
REGISTERED_ALONE = frozenset(("created", "registered", "entered", "recorded", "inserted", "registrert", "registrerad",
                              "registreret", "erfasst", "angelegt", "erstellt", "opprettet", "oprettet", "aangemaakt",
                              "cree", "skapad"))
POSTED_ALONE = frozenset(("posted", "booked", "bokford", "bokfort", "bogfort", "gebucht", "geboekt"))
