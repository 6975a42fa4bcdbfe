"""Duration of the demonstrations of lectures 02 and 04–06 (one notebook cell each).

    python benchmarks/bench_lectures2.py [--repeats 1]

The lecture notebooks call ``initlab.demos`` (``transfer_demo``, ``resnet_demo``,
``dropout_demo``, ``HeExperiments.run`` …); the book does not print times, this script does.
Each demo runs as in its notebook cell but without the progress bar, ``--repeats`` times;
printed: the median wall time and CPU time of the process (``time.process_time``: less
sensitive to other users of the machine) per demo, and the load average. Budget: every cell
well under 10 s on this 2-core machine (the He runs are split into one cell per net for
that reason). Figures are printed, not asserted.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("MPLBACKEND", "Agg")

from initlab import demos


def _he(depth, scheme):
    return lambda: demos.HeExperiments().run(depth, scheme, progress=False)


#: (lecture, name, call) in the order of the notebooks
DEMOS = [
    ("02", "множитель градиента: gradient_gain_demo", demos.gradient_gain_demo),
    ("02", "обрезка, 30 стартов: clipping_starts_demo", demos.clipping_starts_demo),
    ("04", "перенос знаний: transfer_demo", lambda: demos.transfer_demo(progress=False)),
    ("04", "перенос, 5 задач: transfer_seeds_demo",
     lambda: demos.transfer_seeds_demo(demos.transfer_demo(progress=False), progress=False)),
    ("04", "прореживание ResNet: resnet_demo", lambda: demos.resnet_demo(progress=False)),
    ("04", "ResNet, ещё 2 зерна: resnet_seeds_demo",
     lambda: demos.resnet_seeds_demo(progress=False)),
    ("04", "полезности OBD/OBS: saliency_demo", demos.saliency_demo),
    ("04", "кривые прореживания: pruning_demo", demos.pruning_demo),
    ("05", "моменты дропаута: dropout_moments_demo", demos.dropout_moments_demo),
    ("05", "2^16 подсетей: subnetworks_demo", demos.subnetworks_demo),
    ("05", "дропаут и переобучение: dropout_demo", lambda: demos.dropout_demo(progress=False)),
    ("05", "батч-нормализация: batchnorm_demo", demos.batchnorm_demo),
    ("05", "скользящие средние: running_average_demo", demos.running_average_demo),
    ("05", "батч из одного: batch_of_one_demo", demos.batch_of_one_demo),
    ("05", "нормализация по объекту: instancenorm_demo", demos.instancenorm_demo),
    ("05", "активации по слоям: bn_depth_demo", demos.bn_depth_demo),
    ("06", "нулевые веса: zero_init_demo", demos.zero_init_demo),
    ("06", "симметрия: symmetry_demo", demos.symmetry_demo),
    ("06", "наивные инициализации: naive_demo", demos.naive_demo),
    ("06", "отношение дисперсий: gain_demo", demos.gain_demo),
    ("06", "таблица множителей: gain_table_demo", demos.gain_table_demo),
    ("06", "He et al.: 22 слоя, Xavier", _he(22, "xavier_normal")),
    ("06", "He et al.: 22 слоя, He", _he(22, "he_normal")),
    ("06", "He et al.: 30 слоёв, Xavier", _he(30, "xavier_normal")),
    ("06", "He et al.: 30 слоёв, He", _he(30, "he_normal")),
]


def _time(fn):
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args(argv)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"repeats {args.repeats}")
    print(f"{'lecture':7s} {'demo':48s} {'wall, s':>8s} {'CPU, s':>8s}")
    total = 0.0
    for lecture, name, fn in DEMOS:
        runs = [_time(fn) for _ in range(args.repeats)]
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        total += wall
        print(f"{lecture:7s} {name:48s} {wall:8.2f} {cpu:8.2f}")
    print(f"{'':7s} {'total':48s} {total:8.2f}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
