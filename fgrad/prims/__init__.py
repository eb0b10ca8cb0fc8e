"""L2: first-order primitives, every rule of each in one block."""

from fgrad.prims import arith, dot, elementwise, indexing, reduce, shape, special  # noqa: F401
from fgrad.prims._linalg_helpers import *  # noqa: F401,F403
from fgrad.prims.arith import *  # noqa: F401,F403
from fgrad.prims.bessel import *  # noqa: F401,F403
from fgrad.prims.complex import *  # noqa: F401,F403
from fgrad.prims.dot import *  # noqa: F401,F403
from fgrad.prims.elementwise import *  # noqa: F401,F403
from fgrad.prims.fft import *  # noqa: F401,F403
from fgrad.prims.indexing import *  # noqa: F401,F403
from fgrad.prims.linalg import *  # noqa: F401,F403
from fgrad.prims.linalg_solve import *  # noqa: F401,F403
from fgrad.prims.matfuncs import *  # noqa: F401,F403
from fgrad.prims.reduce import *  # noqa: F401,F403
from fgrad.prims.shape import *  # noqa: F401,F403
from fgrad.prims.sort import *  # noqa: F401,F403
from fgrad.prims.special import *  # noqa: F401,F403
