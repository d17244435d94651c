// Package fql reads, builds, prints, checks and evaluates Falcon Query
// Language (FQL) filters and sorts.
package fql
