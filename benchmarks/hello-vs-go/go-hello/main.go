package main

import (
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

var http_request_success_total = prometheus.NewCounter(prometheus.CounterOpts{
	Name: "http_request_success_total", //metric name
	Help: "access success count",
},
)

var http_request_total = prometheus.NewCounter(prometheus.CounterOpts{
	Name: "http_request_total",
	Help: "access count total",
})

var http_request_fail_total = prometheus.NewCounter(prometheus.CounterOpts{
	Name: "http_request_fail_total",
	Help: "access faile count",
})

func handler_for_hello_get(rw http.ResponseWriter, r *http.Request) {
	file, _ := os.OpenFile("access_log", os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0666)
	infologger := log.New(file, "INFO", log.Ldate|log.Ltime|log.Lshortfile)

	if r.Method != "GET" {
		fmt.Fprintf(rw, "handle get method only!!!\n")
		infologger.Println("connect from ", r.RemoteAddr, " Failed!!!")
		file.Close()
		http_request_fail_total.Inc()
		http_request_total.Inc()
		return
	}

	fmt.Fprintf(rw, "hello!!!\n")
	infologger.Println("connect from ", r.RemoteAddr, " Success!!!")
	http_request_success_total.Inc() // metric value add 1
	http_request_total.Inc()
	file.Close()
}

//func NewCountCollector * ()

func main() {
	prometheus.MustRegister(http_request_success_total)
	prometheus.MustRegister(http_request_total)
	prometheus.MustRegister(http_request_fail_total)

	http.Handle("/metrics", promhttp.Handler()) //for prometheus
	add := ":8080"
	fmt.Printf("start server at %v\n", add)
	http.HandleFunc("/hello", handler_for_hello_get)
	log.Fatal(http.ListenAndServe(add, nil))
}

