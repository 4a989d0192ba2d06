# mpi.sh: how the integration tests run Open MPI's mpirun here (sourced,
# after lib.sh). Needs Debian's openmpi-bin (scripts/deps.sh installs it);
# checked with Open MPI 4.1.4 on Debian 12, as root, in a container whose
# only usable network is loopback.
#
#   mpi_prefix N   print the command prefix that starts exactly N local
#                  processes:  $(mpi_prefix 2) CMD ARGS...
#   mpi_env        export the same settings as environment variables, for
#                  an mpirun that someone else starts (hsx --mpi runs a
#                  plain `mpirun`): then `mpirun -np 2 CMD` behaves alike.
#   mpi_available  status 0 when mpirun is installed.
#
# What each setting is for:
#   --allow-run-as-root   mpirun refuses root without it (the env pair
#                         OMPI_ALLOW_RUN_AS_ROOT=1 and
#                         OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 does the same);
#                         harmless for a normal user.
#   --oversubscribe       N may exceed the cores (a 1-CPU CI machine).
#   --bind-to none        no core binding (cpusets in containers).
#   --mca plm isolated    launch locally only: never ssh/rsh, and no need
#                         for an rsh agent even when ssh is missing.
#   --mca btl self,tcp --mca btl_tcp_if_include lo
#   --mca oob_tcp_if_include lo
#                         keep any MPI traffic on loopback (only matters if
#                         a rank calls MPI_Init; shell commands and `hs`
#                         do not; the shared-memory btl is left out, it can
#                         fail in containers).
#   PMIX_MCA_gds=hash     (mpi_env only) avoids PMIx shared-memory
#                         datastore trouble in some containers.
# No hwloc warning shows here, so nothing silences it.
#
# Environment: a variable exported by the caller reaches every rank
# without -x: all ranks are local, forked by mpirun itself with its whole
# environment (-x is only needed for ranks on other hosts). Each rank gets
# OMPI_COMM_WORLD_RANK (0..N-1), OMPI_COMM_WORLD_SIZE (N) and
# OMPI_COMM_WORLD_LOCAL_RANK. mpirun's exit status is non-zero if a rank
# exits non-zero. Start-up costs about 0.1 s.

MPIRUN=${MPIRUN:-mpirun}

mpi_available() { command -v "$MPIRUN" >/dev/null 2>&1; }

mpi_prefix() {
	local n=${1:?usage: mpi_prefix N}
	echo "$MPIRUN --allow-run-as-root --oversubscribe --bind-to none --mca plm isolated --mca btl self,tcp --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo -np $n"
}

mpi_env() {
	export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
	export OMPI_MCA_rmaps_base_oversubscribe=1
	export OMPI_MCA_hwloc_base_binding_policy=none
	export OMPI_MCA_plm=isolated
	export OMPI_MCA_btl=self,tcp OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
	export PMIX_MCA_gds=hash
}
