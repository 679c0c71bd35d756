from collections import Counter

import pytest

from apps.knowledge.languages import DISTINCT, decide, detect, scores


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Hello, what time is check-in at the hotel?", "english"),
        ("Can I pay with card when I arrive?", "english"),
        ("Olá, a que horas é o check-in? Não encontro a informação", "portuguese"),
        ("Posso pagar com cartão?", "portuguese"),
        ("Quero cancelar minha reserva", "portuguese"),
        ("Hola, ¿a qué hora es el check-in? No encuentro la información", "spanish"),
        ("¿Puedo pagar con tarjeta?", "spanish"),
        ("Quiero cancelar mi reserva", "spanish"),
    ],
)
def test_detects_the_three_languages(text, language):
    assert detect(text) == language


@pytest.mark.parametrize(
    "text",
    ["", "ok", "12345 !!!", "Bonjour, je voudrais réserver une chambre", "Wi-Fi"],
)
def test_says_simple_when_the_text_gives_no_clear_sign(text):
    assert detect(text) == "simple"


def test_a_mostly_english_text_with_one_portuguese_word_is_english():
    assert detect("Thanks, obrigado! I will be there at noon and we need the room ready") == "english"


def test_words_that_two_languages_share_count_for_neither():
    assert not DISTINCT["portuguese"] & DISTINCT["spanish"]
    assert "para" not in DISTINCT["portuguese"] | DISTINCT["spanish"]


def test_the_signs_of_several_texts_add_up_to_those_of_the_texts_joined():
    parts = ["Olá, bom dia", "Quero saber se vocês têm estacionamento", "ok", "¿y el desayuno?"]

    assert sum((scores(part) for part in parts), Counter()) == scores(" ".join(parts))
    assert decide(sum((scores(part) for part in parts), Counter())) == detect(" ".join(parts)) == "portuguese"
