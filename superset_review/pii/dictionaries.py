"""Small built-in word lists for the PII that no checksum can catch: person names and street addresses.

The name lists are the most frequent given names and surnames of US-census-style frequency tables (public-domain
statistics, written out here by hand; no data file, no download). They are deliberately short: their job is to
confirm a column that its name or context already points at, or to flag a column that is mostly such names, not
to recognise every name in the world.
"""

from __future__ import annotations


def words(text: str) -> tuple[str, ...]:
    """The whitespace-separated words of ``text``: long word lists stay readable as paragraphs."""
    return tuple(text.split())


FIRST_NAMES: frozenset[str] = frozenset(
    words(
        """
    james john robert michael william david richard joseph thomas charles christopher daniel matthew anthony
    mark donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward jason jeffrey
    ryan jacob gary nicholas eric jonathan stephen larry justin scott brandon benjamin samuel gregory
    alexander frank patrick raymond jack dennis jerry tyler aaron jose adam nathan henry douglas zachary
    peter kyle ethan walter noah jeremy christian keith roger terry gerald harold sean austin carl arthur
    lawrence dylan jesse jordan bryan billy joe bruce gabriel logan albert willie alan juan wayne elijah
    randy roy vincent ralph eugene russell bobby mason philip louis harry howard fred carlos martin victor
    oscar liam lucas oliver leo hugo luca marco mary patricia jennifer linda elizabeth barbara susan jessica
    sarah karen lisa nancy betty margaret sandra ashley kimberly emily donna michelle carol amanda dorothy
    melissa deborah stephanie rebecca sharon laura cynthia kathleen amy angela shirley anna brenda pamela
    emma nicole helen samantha katherine christine debra rachel carolyn janet catherine maria heather diane
    ruth julie olivia joyce virginia victoria kelly lauren christina joan evelyn judith megan andrea cheryl
    hannah jacqueline martha gloria teresa ann sara madison frances kathryn janice jean abigail alice judy
    sophia grace denise amber doris marilyn danielle beverly isabella theresa diana natalie brittany
    charlotte marie kayla alexis lori mia ava chloe ella lily zoe eva sofia elena laura julia alicia monica
    rosa irene lucy clara nora ida ingrid astrid sigrid karin anita hanna emilia aino sanna mikko jukka
    pekka juha matti timo antti lars anders erik johan nils olof sven magnus henrik jens hans karl klaus
    jurgen stefan thomas wolfgang pierre jean jacques francois louis michel alain philippe giovanni giuseppe
    antonio francesco alessandro andrea luigi paolo pedro miguel jorge luis manuel javier ahmed mohammed ali
    omar hassan fatima aisha yusuf ibrahim wei li ming hiroshi yuki kenji akira raj priya amit anil sunil
    ravi arjun deepak
    """
    )
)

SURNAMES: frozenset[str] = frozenset(
    words(
        """
    smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez gonzalez
    wilson anderson thomas taylor moore jackson martin lee perez thompson white harris sanchez clark ramirez
    lewis robinson walker young allen king wright scott torres nguyen hill flores green adams nelson baker
    hall rivera campbell mitchell carter roberts gomez phillips evans turner diaz parker cruz edwards
    collins reyes stewart morris morales murphy cook rogers gutierrez ortiz morgan cooper peterson bailey
    reed kelly howard ramos kim cox ward richardson watson brooks chavez wood james bennett gray mendoza
    ruiz hughes price alvarez castillo sanders patel myers long ross foster jimenez powell jenkins perry
    russell sullivan bell coleman butler henderson barnes gonzales fisher vasquez simmons romero jordan
    patterson alexander hamilton graham reynolds griffin wallace moreno west cole hayes bryant herrera
    gibson ellis tran medina aguilar stevens murray ford castro marshall owens harrison fernandez mcdonald
    woods washington kennedy wells vargas henry chen freeman webb tucker guzman burns crawford olson simpson
    porter hunter gordon mendez silva shaw snyder mason dixon munoz hunt hicks holmes palmer wagner black
    robertson boyd rose stone salazar fox warren mills meyer rice schmidt garza daniels ferguson nichols
    stephens soto weaver ryan gardner payne grant dunn kelley spencer hawkins arnold pierce vazquez hansen
    peters santos hart bradley knight elliott cunningham duncan armstrong hudson carroll lane riley andrews
    alvarado ray delgado berry perkins hoffman johnston matthews pena richards willis carpenter lawrence
    sandoval guerrero george chapman rios estrada ortega watkins greene nunez wheeler valdez harper burke
    larson santiago maldonado morrison franklin carlson austin dominguez carr lawson jacobs obrien lynch
    singh vega bishop montgomery oliver jensen harvey williamson gilbert dean sims espinoza howell li wang
    zhang liu yang huang zhao wu zhou xu sun ma zhu hu guo he lin luo mueller muller schneider fischer weber
    schulz becker hoffmann koch richter klein wolf schroeder neumann schwarz zimmermann braun kruger hofmann
    hartmann lange schmitt werner krause lehmann schmid rossi russo ferrari esposito bianchi romano colombo
    ricci marino greco bruno gallo conti costa giordano mancini lombardi moretti dubois durand leroy moreau
    simon laurent michel lefebvre bertrand roux vincent fournier girard bonnet dupont lambert fontaine
    rousseau korhonen virtanen makinen nieminen makela hamalainen laine heikkinen koskinen jarvinen
    johansson andersson karlsson nilsson eriksson larsson olsson persson svensson gustafsson pettersson
    jonsson hansen nielsen pedersen andersen christensen larsen sorensen rasmussen jorgensen kowalski nowak
    wisniewski wojcik kaminski lewandowski zielinski novak svoboda novotny dvorak horvath nagy toth szabo
    kovacs
    """
    )
)

# Words that end a street name. "St" and "Dr" are ambiguous with "Saint" and "Doctor", which is why an address
# also needs a house number in front (see patterns.STREET_ADDRESS).
STREET_SUFFIXES: tuple[str, ...] = (
    "Street", "St", "Avenue", "Ave", "Av", "Road", "Rd", "Boulevard", "Blvd", "Lane", "Ln", "Drive", "Dr",
    "Court", "Ct", "Place", "Pl", "Terrace", "Ter", "Way", "Square", "Sq", "Parkway", "Pkwy", "Highway", "Hwy",
    "Circle", "Cir", "Crescent", "Close", "Row", "Walk", "Alley", "Trail", "Plaza", "Gardens", "Grove", "Hill",
    "Park", "Mews", "Green", "Rise", "View", "Forge", "Forges", "Mall", "Pike", "Loop", "Run", "Path",
)  # fmt: skip

# Languages that write the street type into the same word: Mannerheimintie, Drottninggatan, Mellemvej.
STREET_COMPOUND_ENDINGS: tuple[str, ...] = (
    "katu", "tie", "kuja", "polku", "gatan", "vägen", "gata", "väg", "vej", "veien", "vegen", "gate", "straße",
    "strasse", "weg", "gasse", "allee", "laan", "straat", "plein", "gracht",
)  # fmt: skip

# Words that open a street name in Romance and Greek-speaking countries: "Rue de la Paix", "Via Roma".
STREET_PREFIXES: tuple[str, ...] = ("Rue", "Via", "Viale", "Calle", "Avenida", "Rua", "Plaza", "Piazza", "Odos")


# Capitalised words that start sentences and organisation names ("The Davis Group"), never a given name.
NOT_NAMES: frozenset[str] = frozenset(
    words(
        """
    the a an and or of in on at to for with by from this that these those my our your his her their its dear
    hi hello thanks thank please when where what who why how if but so as is are was were be been new old
    north south east west saint st mount lake port fort san santa los las el la le de del der van von bank
    group company too also only just very more most some any all no not yes
    """
    )
)


def is_first_name(word: str) -> bool:
    return word.lower() in FIRST_NAMES


def is_surname(word: str) -> bool:
    return word.lower() in SURNAMES
