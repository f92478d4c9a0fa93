"""The Networks bundle a family's builder returns."""

import pytest

from forecaster.models.many_to_one import build_many_to_one
from forecaster.models.networks import Networks
from forecaster.models.seq2seq import build_seq2seq


def test_many_to_one_trains_and_predicts_one_network():
    nets = build_many_to_one(8, 1, 3, hidden_units=4, loss="quantile",
                             quantiles=(0.1, 0.5, 0.9))  # fmt: skip
    assert nets.train is nets.predict
    assert nets.sampler is None and nets.attention is None
    assert not nets.is_point and nets.outputs_per_step == 3
    assert nets.input_names == ("history",)


def test_seq2seq_returns_every_network_it_has():
    nets = build_seq2seq(8, 1, 3, hidden_units=4, attention="luong",
                         return_attention=True, loss="normal",
                         return_sampler=True, n_future=2)  # fmt: skip
    assert nets.train is not nets.predict
    assert set(nets.train.input) == {"history", "future", "targets"}
    assert nets.input_names == ("history", "future")
    assert set(nets.sampler.input) == {"history", "future", "noise"}
    assert len(nets.attention.outputs) == 2
    assert nets.outputs_per_step == 2


def test_networks_is_frozen():
    nets = Networks(train=None, predict=None)
    assert nets.is_point and nets.outputs_per_step == 1
    with pytest.raises(AttributeError):
        nets.loss = "mae"
