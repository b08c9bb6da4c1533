# Assembles Apache Kafka from the official artifacts on Maven Central (kafka_2.13 and its runtime
# dependencies, fetched with mvn into .cache/kafka/libs), formats a single KRaft node and starts it on
# 127.0.0.1:9092. Idempotent. Exports KAFKA_BROKERS. kafka_cluster_up starts a three-node cluster beside it
# (KAFKA_CLUSTER_BROKERS), for the layout with a process of each kind twice (scripts/up UP_LAYOUT=multi).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

export KAFKA_BROKERS=${KAFKA_BROKERS:-127.0.0.1:9092}
KAFKA_LIBS="$CACHE/kafka/libs"
KAFKA_DIR="$RUN/kafka"

# maven_copy POM DIR WHAT: copies the runtime dependencies POM resolves into DIR, once (a marker file says
# the copy completed).
maven_copy() {
  local pom=$1 dir=$2 what=$3
  [[ -f "$dir/.complete" ]] && return 0
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null || apt_install maven
  log "fetching $what from Maven Central"
  rm -rf "$dir"
  mvn -q -B -f "$pom" dependency:copy-dependencies -DoutputDirectory="$dir" -DincludeScope=runtime
  touch "$dir/.complete"
}

kafka_fetch() { maven_copy "$ROOT/scripts/lib/kafka-pom.xml" "$KAFKA_LIBS" "Apache Kafka"; }

# kafka_tools_fetch: Kafka's own tools (ProducerPerformance, TopicCommand) into .cache/kafka-tools/libs, for
# the benchmarks' ceilings. Exports KAFKA_TOOLS_CP.
KAFKA_TOOLS_LIBS="$CACHE/kafka-tools/libs"
export KAFKA_TOOLS_CP="$KAFKA_TOOLS_LIBS/*"
kafka_tools_fetch() { maven_copy "$ROOT/scripts/lib/kafka-tools-pom.xml" "$KAFKA_TOOLS_LIBS" "Apache Kafka's tools"; }

# Tests and benchmarks make topics with unique prefixes, and the broker keeps them (retention deletes data,
# not topics). Each partition holds a few files open, so past a few thousand partitions the broker runs out
# of open files (it then shuts itself down: "all log dirs have failed"). This broker holds only throwaway
# test and development data, so kafka_up starts it over with empty storage when it holds more than this.
KAFKA_MAX_PARTITIONS=${KAFKA_MAX_PARTITIONS:-3000}

kafka_partition_dirs() {
  [[ -d "$KAFKA_DIR/data" ]] || { echo 0; return; }
  find "$KAFKA_DIR/data" -mindepth 1 -maxdepth 1 -type d | wc -l
}

# kafka_stop_named NAME: stops the broker process $RUN/NAME.pid names, if it runs, and waits for it to exit.
kafka_stop_named() {
  local pid
  [[ -f "$RUN/$1.pid" ]] && pid=$(cat "$RUN/$1.pid") && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid"
  for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null || true
}

# kafka_stop: stops the single broker started here, if it runs, and waits for it to exit.
kafka_stop() { kafka_stop_named kafka; }

# kafka_write_config DIR NODE_ID PORT CONTROLLER_PORT VOTERS REPLICATION MIN_ISR: one KRaft node (broker and
# controller) listening on 127.0.0.1:PORT, its storage in DIR/data, its internal topics and the topics made
# without an explicit factor replicated REPLICATION times, writes with acks=all needing MIN_ISR replicas.
kafka_write_config() {
  local dir=$1 id=$2 port=$3 cport=$4 voters=$5 rf=$6 isr=$7
  mkdir -p "$dir"
  cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=$id
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=12
auto.create.topics.enable=false
default.replication.factor=$rf
min.insync.replicas=$isr
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=12
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
group.initial.rebalance.delay.ms=0
log.retention.hours=24
PROPS
  cat >"$dir/log4j2.yaml" <<'LOG'
Configuration:
  Appenders:
    Console: { name: STDOUT, PatternLayout: { pattern: "[%d] %p %m (%c)%n" } }
  Loggers:
    Root: { level: WARN, AppenderRef: [ { ref: STDOUT } ] }
    Logger: [ { name: kafka.server.KafkaServer, level: INFO }, { name: kafka.Kafka, level: INFO } ]
LOG
}

# kafka_format DIR NAME [CLUSTER_ID]: formats DIR's storage once (a random cluster id unless given).
kafka_format() {
  local dir=$1 name=$2 id=${3:-} cp="$KAFKA_LIBS/*"
  [[ -f "$dir/data/meta.properties" ]] && return 0
  log "formatting Kafka storage (KRaft) for $name"
  [[ -n "$id" ]] || id=$(java -cp "$cp" kafka.tools.StorageTool random-uuid)
  java -cp "$cp" kafka.tools.StorageTool format -t "$id" -c "$dir/server.properties" >"$RUN/log/$name-format.log" 2>&1 ||
    die "kafka storage format failed; see $RUN/log/$name-format.log"
}

# kafka_launch NAME DIR JVM_OPTION...: starts the node configured in DIR in the background as NAME (pid in
# $RUN/NAME.pid, log in $RUN/log/NAME.log); does not wait for it.
kafka_launch() {
  local name=$1 dir=$2
  shift 2
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true # a partition holds files open: as many as this machine allows
  start_bg "$name" java "$@" -XX:+UseG1GC -Dlog4j2.configurationFile="$dir/log4j2.yaml" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$dir/server.properties"
}

kafka_up() {
  local partitions; partitions=$(kafka_partition_dirs)
  port_open 127.0.0.1 9092 && ((partitions <= KAFKA_MAX_PARTITIONS)) && return 0
  # Not serving (or about to run out of files): a broker process that is still there goes first.
  kafka_stop
  if ((partitions > KAFKA_MAX_PARTITIONS)); then
    log "Kafka holds $partitions partitions of old test topics: starting it over with empty storage"
    rm -rf "$KAFKA_DIR/data"
  fi
  kafka_fetch
  # Replication 1 and min.insync.replicas 1: what a single node can do (Kafka's own defaults).
  kafka_write_config "$KAFKA_DIR" 1 9092 9093 1@127.0.0.1:9093 1 1
  kafka_format "$KAFKA_DIR" kafka
  log "starting Kafka on 127.0.0.1:9092"
  kafka_launch kafka "$KAFKA_DIR" -Xms512m -Xmx1g
  wait_port 127.0.0.1 9092 kafka 90
}

# A three-node KRaft cluster beside the single broker (UP_LAYOUT=multi, the chaos and benchmark layout): each
# node a broker and a controller voter, node 1 on 127.0.0.1:19092 (its controller on 19093), node 2 on
# 19192/19193, node 3 on 19292/19293, node N's storage in .run/kafka-cluster/node-N. Topics are replicated
# three times and acks=all needs two in-sync replicas, so any one node can die without losing or refusing a
# write.
KAFKA_CLUSTER_DIR="$RUN/kafka-cluster"
KAFKA_CLUSTER_NODES="1 2 3"
export KAFKA_CLUSTER_BROKERS=127.0.0.1:19092,127.0.0.1:19192,127.0.0.1:19292

kafka_node_port() { echo $((19092 + 100 * ($1 - 1))); }

# kafka_node_start N: starts node N unless its process runs (it may be waiting for the quorum), and waits until
# it serves. Alone, a node cannot serve (no quorum): kafka_cluster_up starts all three before it waits.
kafka_node_start() {
  local n=$1 port dir="$KAFKA_CLUSTER_DIR/node-$1" voters="" i
  port=$(kafka_node_port "$n")
  port_open 127.0.0.1 "$port" && return 0
  if ! kafka_node_running "$n"; then
    for i in $KAFKA_CLUSTER_NODES; do voters+="${voters:+,}$i@127.0.0.1:$(($(kafka_node_port "$i") + 1))"; done
    kafka_write_config "$dir" "$n" "$port" $((port + 1)) "$voters" 3 2
    # One cluster id for the three formats: a node formatted with another one is refused by the quorum.
    [[ -s "$KAFKA_CLUSTER_DIR/cluster.id" ]] ||
      java -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool random-uuid >"$KAFKA_CLUSTER_DIR/cluster.id"
    kafka_format "$dir" "kafka-node-$n" "$(cat "$KAFKA_CLUSTER_DIR/cluster.id")"
    log "starting Kafka node $n on 127.0.0.1:$port"
    kafka_launch "kafka-node-$n" "$dir" -Xms256m -Xmx512m
  fi
  [[ -n "${KAFKA_NO_WAIT:-}" ]] || wait_port 127.0.0.1 "$port" "kafka-node-$n" 90
}

# kafka_node_running N: true when node N's process is alive (not exited, not a zombie).
kafka_node_running() { [[ -f "$RUN/kafka-node-$1.pid" ]] && pid_alive "$(cat "$RUN/kafka-node-$1.pid")"; }

# kafka_cluster_up: starts the nodes that do not run and waits until all three serve. Idempotent.
kafka_cluster_up() {
  local n
  kafka_fetch
  mkdir -p "$KAFKA_CLUSTER_DIR"
  for n in $KAFKA_CLUSTER_NODES; do KAFKA_NO_WAIT=1 kafka_node_start "$n"; done
  for n in $KAFKA_CLUSTER_NODES; do wait_port 127.0.0.1 "$(kafka_node_port "$n")" "kafka-node-$n" 120; done
}

# kafka_node_kill N: SIGKILLs node N (a crash: no controlled shutdown, no leadership handed over) and waits
# until it is gone and its port closed (the JVM's main thread can be a zombie while its other threads still
# hold the sockets).
kafka_node_kill() {
  local pid port
  kafka_node_running "$1" || return 0
  pid=$(cat "$RUN/kafka-node-$1.pid") port=$(kafka_node_port "$1")
  kill -KILL "$pid"
  while kafka_node_running "$1" || port_open 127.0.0.1 "$port"; do sleep 0.05; done
  log "killed Kafka node $1 (pid $pid)"
}

# kafka_cluster_stop: stops the three nodes (controlled shutdown) and waits for them to exit.
kafka_cluster_stop() {
  local n
  for n in $KAFKA_CLUSTER_NODES; do kafka_stop_named "kafka-node-$n"; done
}

# kafka_cluster_in_sync: true when the three nodes are registered and every partition has all its replicas in
# sync (after a node came back, once it has caught up). Reads the metadata with kcat.
kafka_cluster_in_sync() {
  local meta
  meta=$(kcat -b "$KAFKA_CLUSTER_BROKERS" -L -m 5 2>/dev/null) || return 1
  awk -v nodes="$(wc -w <<<"$KAFKA_CLUSTER_NODES")" '
       /^ *broker [0-9]+ at / { brokers++ }
       /partition [0-9]+, leader/ { r = $0; i = $0
         sub(/.*replicas: /, "", r); sub(/, isrs:.*/, "", r); sub(/.*isrs: /, "", i); sub(/[^0-9,].*/, "", i)
         if (split(r, a, ",") != split(i, b, ",")) bad++ }
       END { exit bad > 0 || brokers != nodes }' <<<"$meta"
}

# kafka_cluster_wait_in_sync SECONDS: waits until every partition's replicas are in sync, or fails.
kafka_cluster_wait_in_sync() {
  local i
  for ((i = 0; i < $1 * 2; i++)); do kafka_cluster_in_sync && return 0; sleep 0.5; done
  die "the Kafka cluster still has replicas out of sync after $1 s"
}
