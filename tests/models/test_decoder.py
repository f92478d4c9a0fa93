"""The seq2seq decoder on its own: teacher forcing, free running, config."""

import keras
import numpy as np

from forecaster.models.decoder import Seq2SeqDecoder


def _inputs(b=3, length=5, units=4, horizon=2):
    rng = np.random.default_rng(0)
    f32 = lambda *s: rng.normal(size=s).astype("float32")  # noqa: E731
    return {
        "encoder_outputs": f32(b, length, units),
        "context": f32(b, units),
        "states": [f32(b, units), f32(b, units)],
        "first": f32(b, 1),
        "targets": f32(b, horizon),
    }


def test_teacher_forcing_feeds_the_truth_free_running_its_own_outputs():
    keras.utils.set_random_seed(0)
    decoder = Seq2SeqDecoder("lstm", 4, 2)
    inputs = _inputs()
    forced = keras.ops.convert_to_numpy(decoder(inputs, training=True))
    free = keras.ops.convert_to_numpy(decoder(inputs, training=False))
    assert forced.shape == free.shape == (3, 2)
    # step 1 sees y_{-1} either way; step 2 sees the truth or its own output
    np.testing.assert_allclose(forced[:, 0], free[:, 0], rtol=1e-6)
    assert not np.allclose(forced[:, 1], free[:, 1])
    no_targets = {k: v for k, v in inputs.items() if k != "targets"}
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(decoder(no_targets)), free, rtol=1e-6
    )


def test_config_round_trip():
    decoder = Seq2SeqDecoder("gru", 4, 3, wiring="context_every_step", loss="mae")
    again = Seq2SeqDecoder.from_config(decoder.get_config())
    assert again.get_config() == decoder.get_config()
