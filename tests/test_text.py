"""Russian wording helpers (initlab.text): plural forms, the XOR title."""
import pytest

from initlab import text


@pytest.mark.parametrize("n,word", [(1, "нейрон"), (2, "нейрона"), (4, "нейрона"),
                                    (5, "нейронов"), (11, "нейронов"), (12, "нейронов"),
                                    (14, "нейронов"), (21, "нейрон"), (22, "нейрона"),
                                    (25, "нейронов"), (101, "нейрон"), (111, "нейронов"),
                                    (0, "нейронов")])
def test_plural_forms(n, word):
    assert text.neurons(n) == f"{n} {word}"


def test_layers_and_hidden_neurons():
    assert [text.layers(n) for n in (1, 3, 5, 21)] == ["1 слой", "3 слоя", "5 слоёв", "21 слой"]
    assert text.hidden_neurons(1) == "1 скрытый нейрон"
    assert text.hidden_neurons(2) == "2 скрытых нейрона"
    assert text.hidden_neurons(16) == "16 скрытых нейронов"


@pytest.mark.parametrize("width,phrase", [(1, "1 скрытый нейрон:"), (2, "2 скрытых нейрона:"),
                                          (5, "5 скрытых нейронов:")])
def test_xor_title_uses_plural_forms(width, phrase):
    from initlab.figures.networks import XorFigure
    from initlab.numerics import logic
    params, hist = logic.train_xor(width, "tanh", 0, steps=20)
    fig = XorFigure(live=False).update(params, "tanh", hist)
    assert phrase in fig.axes[0].get_title()
