import random

from assistant.noise import add_noise, typo


def test_a_typo_changes_a_word_by_one_edit():
    from rapidfuzz.distance import OSA

    rng = random.Random(1)
    for word in ("forsøksloven", "søknadsfrist", "kommunestyret"):
        changed = typo(word, rng)
        assert changed != word or len(set(word)) < len(word)  # doubling a letter still changes the word
        assert OSA.distance(changed, word) <= 1 + (len(changed) != len(word))


def test_noise_is_seeded_and_casual():
    text = "Hva er fristen for å søke om forsøk?"
    a = add_noise(text, 1, random.Random(3))
    assert a == add_noise(text, 1, random.Random(3))
    assert a == a.lower() and "?" not in a
    assert add_noise(text, 0, random.Random(3), casual=False) == text


def test_each_typo_lands_in_another_long_word():
    text = "forsøksloven søknadsfrist kommunestyret"
    noisy = add_noise(text, 3, random.Random(5), casual=False).split()
    assert all(n != w for n, w in zip(noisy, text.split(), strict=True))
