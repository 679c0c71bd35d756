"""Which of the three languages our tenants' customers write in a text is, by counting words that
belong to one language only and letters only one of them uses.

The answer names a PostgreSQL text-search configuration ("english", "portuguese", "spanish"), or
"simple" when the text gives no clear sign (too short, mixed, another language): full-text search
then matches words as written instead of stemming them with the wrong language's rules."""

import re
from collections import Counter

ENGLISH = "english"
PORTUGUESE = "portuguese"
SPANISH = "spanish"
SIMPLE = "simple"
LANGUAGES = (ENGLISH, PORTUGUESE, SPANISH)

_WORDS = {
    ENGLISH: """
        the a an and or but is are was were be been am i you he she it we they my your our their me us
        him her them this that these those there here what which who whom whose when where why how do
        does did done have has had not no yes can could would should will shall may might must to of in
        on at for with from by about into after before if then than so just also only very please thanks
        thank hello hi hey good morning evening afternoon there's it's i'm don't can't won't doesn't
        didn't isn't aren't get got want need know like any some all more most much many one its
    """,
    PORTUGUESE: """
        o os um uma uns umas é são era foi foram ser estar estou estão está esta estava eu você vocês
        ele ela eles elas nós meu minha meus minhas seu sua seus suas nosso nossa isso isto esse essa
        aquele aquela não sim com em no na nos nas do da dos das ao aos às pelo pela pelos pelas
        também então já muito muita muitos quando onde porque porquê obrigado obrigada olá oi bom boa
        dia tarde noite quero queria gostaria posso pode podem preciso tem temos têm tenho fazer
        vou vai mas ou até depois antes agora ainda aqui lá mesmo só cada qual quais quanto você
        seria favor tudo nada algum alguma nenhum nenhuma
    """,
    SPANISH: """
        el los las un una unos unas es son era fue fueron ser estar estoy están está esta estaba yo
        usted ustedes él ella ellos ellas nosotros mi mis su sus nuestro nuestra eso esto ese esa
        aquel aquella no sí con en del al también entonces ya muy mucho mucha muchos cuando donde
        dónde porque por qué gracias hola buenos buenas días tardes noches quiero quería gustaría
        puedo puede pueden necesito tiene tenemos tienen tengo hacer voy va pero hasta después antes
        ahora todavía aquí allí mismo solo cada cuál cuáles cuánto sería favor todo nada algún alguna
        ningún ninguna hay lo le les y qué cómo
    """,
}
WORDS = {language: frozenset(words.split()) for language, words in _WORDS.items()}
_SHARED = (
    (WORDS[ENGLISH] & WORDS[PORTUGUESE]) | (WORDS[ENGLISH] & WORDS[SPANISH]) | (WORDS[PORTUGUESE] & WORDS[SPANISH])
)
DISTINCT = {language: words - _SHARED for language, words in WORDS.items()}

LANGUAGE_OF = {word: language for language, words in DISTINCT.items() for word in words}

LETTERS = {PORTUGUESE: "ãõçâêôà", SPANISH: "ñ¿¡"}
ENDINGS = {SPANISH: ("ción", "ciones")}
LETTER_WEIGHT = 2
MIN_SCORE = 2
MIN_LEAD = 1.5
TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def detect(text: str) -> str:
    """The language of `text`: "english", "portuguese", "spanish", or "simple" when unsure."""
    return decide(scores(text))


def decide(signs: Counter) -> str:
    """The language a count of signs points to clearly enough, else "simple". Counts of several
    texts add up (`sum(counters, Counter())`) to the count of the texts joined."""
    ranked = signs.most_common(2) + [(SIMPLE, 0), (SIMPLE, 0)]
    (best, best_score), (_, second_score) = ranked[0], ranked[1]
    if best_score < MIN_SCORE or best_score < MIN_LEAD * second_score:
        return SIMPLE
    return best


def scores(text: str) -> Counter:
    """Signs of each language in `text`: its own words, and twice each letter or ending only it uses."""
    text = text.lower()
    signs = Counter()
    for token in TOKEN.findall(text):
        language = LANGUAGE_OF.get(token)
        if language:
            signs[language] += 1
        elif token.endswith(ENDINGS[SPANISH]):
            signs[SPANISH] += LETTER_WEIGHT
    for language, letters in LETTERS.items():
        found = sum(text.count(letter) for letter in letters)
        if found:
            signs[language] += LETTER_WEIGHT * found
    return signs
